package dev.bulwark.examples.tickets;

import dev.bulwark.CriticalException;
import dev.bulwark.PermanentException;
import dev.bulwark.TransientException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The fields read from one scanned ticket.
 *
 * @param number   the ticket number
 * @param date     the delivery date
 * @param truck    the truck
 * @param material what was delivered
 * @param tons     the weight
 * @param file     the file it was read from
 */
public record Ticket(String number, String date, String truck, String material, BigDecimal tons, String file) {

    /**
     * "Recognises" a ticket: a file that is not text is unreadable (permanent, {@code ocr}); a
     * ticket without a required field is permanent ({@code missing-field}); a file on the busy
     * scanner ({@code -busy} in its name) is not available on its first two attempts (transient,
     * {@code scanner-busy}); a ticket weighed on a weighbridge whose calibration had expired is a
     * critical error ({@code calibration}): the whole delivery is suspect.
     */
    public static Ticket read(Path file, int attempt) throws IOException {
        if (file.getFileName().toString().contains("-busy") && attempt <= 2) {
            throw new TransientException("scanner-busy", "the scanner is busy with another batch (attempt " + attempt + ")");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new PermanentException("ocr", "page unreadable: no text could be recognised; rescan the ticket");
        }
        if (!text.startsWith("SCANNED TICKET")) {
            throw new PermanentException("ocr", "page unreadable: not a ticket; rescan it");
        }
        Map<String, String> fields = new HashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        if ("expired".equals(fields.get("calibration"))) {
            throw new CriticalException("calibration", "ticket " + fields.get("ticket") + " was weighed on a weighbridge whose "
                    + "calibration had expired: every weight of this delivery is suspect");
        }
        for (String required : new String[] {"ticket", "date", "truck", "material", "tons"}) {
            if (!fields.containsKey(required)) {
                throw new PermanentException("missing-field", "no '" + required + "' on the ticket; enter it by hand");
            }
        }
        return new Ticket(fields.get("ticket"), fields.get("date"), fields.get("truck"), fields.get("material"),
                new BigDecimal(fields.get("tons")), file.getFileName().toString());
    }
}
