package dev.bulwark.examples.xmlimport;

import dev.bulwark.PermanentException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * One invoice document: {@code <invoice number issued><customer id>NAME</customer><line sku
 * quantity unitPrice/>...</invoice>}, parsed and validated.
 *
 * @param number     the invoice number, unique
 * @param issued     the issue date
 * @param customerId the customer's id
 * @param customer   the customer's name
 * @param lines      at least one line
 */
public record Invoice(String number, LocalDate issued, String customerId, String customer, List<Line> lines) {

    /** One invoice line; amounts in cents. */
    public record Line(String sku, int quantity, long unitPriceCents) {
    }

    public long totalCents() {
        return lines.stream().mapToLong(l -> l.quantity() * l.unitPriceCents()).sum();
    }

    /**
     * Reads and validates a file. A file that is not well-formed XML throws the parser's
     * {@link SAXException} (classified by the batch as permanent, category {@code parse}); one
     * that is XML but not a valid invoice throws {@link PermanentException} with category
     * {@code invalid}; an I/O error is left to the batch (transient).
     */
    public static Invoice read(Path file) throws IOException, SAXException {
        Document doc = parser().parse(file.toFile());
        Element root = doc.getDocumentElement();
        require(root.getTagName().equals("invoice"), "the root element is <" + root.getTagName() + ">, not <invoice>");
        String number = root.getAttribute("number");
        require(number.matches("INV-\\d{4}-\\d{4}"), "invoice number '" + number + "' is not like INV-2026-0001");
        LocalDate issued;
        try {
            issued = LocalDate.parse(root.getAttribute("issued"));
        } catch (DateTimeParseException e) {
            throw invalid("issued date '" + root.getAttribute("issued") + "' is not a date like 2026-03-01");
        }
        NodeList customers = root.getElementsByTagName("customer");
        require(customers.getLength() == 1, "an invoice needs exactly one <customer>, this one has " + customers.getLength());
        Element customer = (Element) customers.item(0);
        NodeList lineNodes = root.getElementsByTagName("line");
        require(lineNodes.getLength() > 0, "an invoice needs at least one <line>");
        List<Line> lines = new ArrayList<>();
        for (int i = 0; i < lineNodes.getLength(); i++) {
            Element line = (Element) lineNodes.item(i);
            lines.add(new Line(line.getAttribute("sku"), quantity(line, i + 1), cents(line, i + 1)));
        }
        return new Invoice(number, issued, customer.getAttribute("id"), customer.getTextContent().strip(), List.copyOf(lines));
    }

    private static int quantity(Element line, int n) {
        String q = line.getAttribute("quantity");
        require(q.matches("[1-9]\\d{0,5}"), "line " + n + ": quantity '" + q + "' is not a positive whole number");
        return Integer.parseInt(q);
    }

    private static long cents(Element line, int n) {
        String p = line.getAttribute("unitPrice");
        try {
            BigDecimal price = new BigDecimal(p);
            require(price.signum() >= 0 && price.scale() <= 2, "line " + n + ": unit price '" + p + "' is not an amount like 12.50");
            return price.movePointRight(2).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw invalid("line " + n + ": unit price '" + p + "' is not an amount like 12.50");
        }
    }

    private static void require(boolean condition, String problem) {
        if (!condition) {
            throw invalid(problem);
        }
    }

    private static PermanentException invalid(String problem) {
        return new PermanentException("invalid", problem);
    }

    /** A parser that reads no external entities or DTDs (the files come from outside). */
    private static DocumentBuilder parser() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setExpandEntityReferences(false);
            f.setNamespaceAware(true);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            return b;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser cannot be configured", e);
        }
    }
}
