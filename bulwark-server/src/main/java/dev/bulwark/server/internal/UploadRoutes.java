package dev.bulwark.server.internal;

import dev.bulwark.server.Role;
import dev.bulwark.server.TemplateConfig;
import dev.bulwark.server.TierConfig;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code POST /uploads?template=NAME}: files in a multipart body go into the caller's tenant's own
 * folder of the template's upload root, {@code ROOT/TENANT/UPLOAD-ID/NAME}, within the tier's
 * limits (bytes per file, files per upload, bytes kept per tenant). File names are checked
 * strictly, never cleaned: a name with a path, a leading dot, control characters or anything but
 * letters, digits, {@code . _ -} and spaces is refused with the part named. Nothing is kept of an
 * upload that is refused.
 */
final class UploadRoutes {
    /** What a file name may be: no path, no leading dot, at most 200 characters. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._ -]{0,199}");
    /** Room for the multipart boundaries and headers beside the files themselves. */
    static final long OVERHEAD = 64 * 1024;

    private final ServerContext server;

    UploadRoutes(ServerContext server) {
        this.server = server;
    }

    void register(Javalin app) {
        app.post(Views.BASE + "/uploads", this::upload);
    }

    private void upload(Context ctx) throws IOException {
        Principal who = Routes.who(ctx, Role.SUBMIT);
        TierConfig tier = who.tier();
        String templateName = ctx.queryParam("template");
        TemplateConfig template = templateName == null ? null : server.config().templates().get(templateName);
        if (template == null || template.uploadRoot() == null) {
            throw Problem.unprocessable("template", "template must name a template that takes uploads; those that do: "
                    + server.config().templates().values().stream().filter(t -> t.uploadRoot() != null).map(TemplateConfig::name)
                    .sorted().toList() + ", but was " + (templateName == null ? "missing" : "'" + templateName + "'"));
        }
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            throw new Problem(415, "Unsupported Media Type", "send the files as Content-Type: multipart/form-data, not " + type,
                    "Content-Type");
        }
        Path root = template.roots().get(template.uploadRoot());
        Path tenantDir = root.resolve(who.tenant());
        long kept = sizeOf(tenantDir);
        long room = tier.maxUploadTotal() - kept;
        long declared = ctx.req().getContentLengthLong();
        long most = Math.min((long) tier.maxUploadFiles() * tier.maxUploadBytes(), Math.max(0, room)) + OVERHEAD;
        if (declared > most) {
            throw tooLarge(tier, "the upload (" + declared + " bytes) is larger than tier '" + tier.name() + "' allows: "
                    + tier.maxUploadFiles() + " file(s) of at most " + tier.maxUploadBytes() + " bytes, and " + Math.max(0, room)
                    + " bytes left of the tenant's " + tier.maxUploadTotal(), null);
        }
        List<UploadedFile> files;
        try {
            files = ctx.uploadedFiles();
        } catch (RuntimeException e) { // the server-wide multipart limits, or a malformed body
            throw new Problem(e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("exceed") ? 413 : 400,
                    "Bad Request", "the multipart body cannot be read: " + e.getMessage(), null);
        }
        refuseEscapedNames(ctx);
        check(files, tier, room);
        String id = UUID.randomUUID().toString();
        Path dir = Files.createDirectories(tenantDir).resolve(id);
        Path partial = tenantDir.resolve("." + id + ".partial");
        Files.createDirectory(partial);
        List<Map<String, Object>> stored = new ArrayList<>();
        try {
            for (UploadedFile f : files) {
                stored.add(store(f, partial, root, who.tenant() + "/" + id + "/" + f.filename()));
            }
            Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE); // all files or none
        } finally {
            deleteTree(partial);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("template", template.name());
        m.put("root", template.uploadRoot());
        m.put("files", stored);
        Map<String, Object> submit = new LinkedHashMap<>();
        submit.put("template", template.name());
        submit.put("root", template.uploadRoot());
        submit.put("items", stored.stream().map(s -> s.get("item")).toList());
        m.put("submission", submit);
        ctx.status(201).json(m);
    }

    /**
     * The multipart parser unescapes quoted names ({@code a\\b.txt} becomes {@code ab.txt}) and
     * decodes {@code filename*}: a name that is not sent as it is meant is refused, not repaired.
     */
    private static void refuseEscapedNames(Context ctx) {
        int i = 0;
        try {
            for (jakarta.servlet.http.Part part : ctx.req().getParts()) {
                String name = part.getSubmittedFileName();
                if (name == null) {
                    continue;
                }
                String header = part.getHeader("Content-Disposition");
                String raw = header == null ? null : rawFileName(header);
                if (raw == null || !raw.equals(name)) {
                    throw Problem.unprocessable("files[" + i + "]", "files[" + i + "]: the file name " + quoted(raw == null ? header : raw)
                            + " is escaped or encoded; send it plain, as filename=\"NAME\"");
                }
                i++;
            }
        } catch (IOException | jakarta.servlet.ServletException e) {
            throw Problem.badRequest(null, "the multipart body cannot be read: " + e.getMessage());
        }
    }

    /** The text between {@code filename="} and the next quote, as sent; null without one (or with {@code filename*}). */
    static String rawFileName(String header) {
        if (header.toLowerCase(Locale.ROOT).contains("filename*")) {
            return null;
        }
        int at = header.toLowerCase(Locale.ROOT).indexOf("filename=\"");
        if (at < 0) {
            return null;
        }
        int start = at + "filename=\"".length();
        int end = header.indexOf('"', start);
        return end < 0 ? null : header.substring(start, end);
    }

    /** Refuses the whole upload for a bad name, a duplicate, too many files, a file too large, or no room left. */
    private static void check(List<UploadedFile> files, TierConfig tier, long room) {
        if (files.isEmpty()) {
            throw Problem.unprocessable("files", "no file in the upload: send one or more parts with a filename");
        }
        if (files.size() > tier.maxUploadFiles()) {
            throw tooLarge(tier, files.size() + " files are more than the " + tier.maxUploadFiles() + " one upload of tier '"
                    + tier.name() + "' may hold", "files");
        }
        Set<String> names = new HashSet<>();
        long total = 0;
        for (int i = 0; i < files.size(); i++) {
            UploadedFile f = files.get(i);
            String field = "files[" + i + "]";
            String name = f.filename();
            if (name == null || !NAME.matcher(name).matches() || name.endsWith(".") || name.endsWith(" ")) {
                throw Problem.unprocessable(field, field + ": the file name " + quoted(name) + " is refused: a name is 1 to 200 "
                        + "letters, digits, '.', '_', '-' or spaces, starts with a letter or digit, has no path and does not end "
                        + "with '.' or a space");
            }
            if (!names.add(name.toLowerCase(Locale.ROOT))) {
                throw Problem.unprocessable(field, field + ": the file name '" + name + "' comes twice in the upload");
            }
            if (f.size() > tier.maxUploadBytes()) {
                throw tooLarge(tier, field + ": '" + name + "' has " + f.size() + " bytes, more than the " + tier.maxUploadBytes()
                        + " a file of tier '" + tier.name() + "' may have", field);
            }
            total += f.size();
        }
        if (total > room) {
            throw tooLarge(tier, "the upload's " + total + " bytes do not fit: the tenant keeps at most " + tier.maxUploadTotal()
                    + " bytes of uploads here, and " + Math.max(0, room) + " are left (jobs' retention frees them)", "files");
        }
    }

    private static Map<String, Object> store(UploadedFile f, Path dir, Path root, String item) throws IOException {
        Path target = dir.resolve(f.filename());
        if (!target.getParent().equals(dir)) { // the name check makes this impossible; kept as a last guard
            throw Problem.unprocessable("files", "the file name '" + f.filename() + "' leaves the upload's folder");
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        long size;
        try (InputStream in = f.content();
             OutputStream out = new DigestOutputStream(Files.newOutputStream(target, java.nio.file.StandardOpenOption.CREATE_NEW), sha)) {
            size = in.transferTo(out);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", f.filename());
        m.put("size", size);
        m.put("sha256", HexFormat.of().formatHex(sha.digest()));
        m.put("item", item);
        return m;
    }

    private static String quoted(String name) {
        if (name == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder("'");
        name.codePoints().limit(100).forEach(c -> {
            if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.append(name.length() > 100 ? "…'" : "'").toString();
    }

    private static Problem tooLarge(TierConfig tier, String detail, String field) {
        return new Problem(413, "Content Too Large", detail, field);
    }

    /** Bytes of the files kept below {@code dir} (0 when there is none yet). */
    private static long sizeOf(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
