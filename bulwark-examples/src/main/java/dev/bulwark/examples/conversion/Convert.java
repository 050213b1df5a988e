package dev.bulwark.examples.conversion;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The command of the conversion service's {@code convert} template, for one uploaded file: reads
 * a PNG, JPEG, GIF or BMP with the JDK's ImageIO (WebP too, through TwelveMonkeys' ImageIO plugin), scales it to {@code SCALE} percent of its width
 * and height and writes it as {@code FORMAT} into the item's output folder (the template's
 * {@code {output}}) as {@code NAME.EXT}, so the server records it and serves it for download.
 * {@code QUALITY} (1-100) applies to JPEG; the lossless formats ignore it. Prints one line
 * {@code result NAME WxH->WxH FORMAT BYTES_IN->BYTES_OUT bytes}. Exit 2 (permanent) when the file
 * is not an image ImageIO reads.
 *
 * <p>Usage: {@code Convert INPUT OUTPUT_FOLDER FORMAT QUALITY SCALE_PERCENT}
 */
public final class Convert {
    /** Target formats (as the template's {@code format} parameter) and their file extensions: ImageIO's own writers. */
    static final Map<String, String> EXTENSIONS = Map.of("jpeg", "jpg", "png", "png", "gif", "gif", "bmp", "bmp");

    private Convert() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 5 || !EXTENSIONS.containsKey(args[2])) {
            System.err.println("usage: Convert INPUT OUTPUT_FOLDER FORMAT QUALITY SCALE_PERCENT (FORMAT: one of "
                    + EXTENSIONS.keySet() + ")");
            System.exit(64);
        }
        Path input = Path.of(args[0]);
        BufferedImage image = ImageIO.read(input.toFile());
        if (image == null) {
            System.err.println(input.getFileName() + " is not an image ImageIO reads (PNG, JPEG, GIF, BMP)");
            System.exit(Compress.NOT_AN_IMAGE);
        }
        String format = args[2];
        int width = Math.max(1, Math.round(image.getWidth() * Integer.parseInt(args[4]) / 100f));
        BufferedImage scaled = Compress.scale(image, width);
        String name = input.getFileName().toString().replaceFirst("\\.[^.]*$", "") + "." + EXTENSIONS.get(format);
        Path out = Path.of(args[1]).resolve(name);
        Path partial = out.resolveSibling("." + name + ".part"); // a hidden name: never listed as an output
        if (format.equals("jpeg")) {
            Compress.writeJpeg(scaled, partial, Integer.parseInt(args[3]) / 100f);
        } else if (!ImageIO.write(scaled, format, partial.toFile())) {
            throw new IOException("ImageIO has no " + format + " writer for " + input.getFileName());
        }
        Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.printf(Locale.ROOT, "result %s %dx%d->%dx%d %s %d->%d bytes%n", input.getFileName(), image.getWidth(),
                image.getHeight(), scaled.getWidth(), scaled.getHeight(), format, Files.size(input), Files.size(out));
    }
}
