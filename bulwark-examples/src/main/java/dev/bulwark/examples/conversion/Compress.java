package dev.bulwark.examples.conversion;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * The command the conversion service's template runs for one file: reads a PNG or JPEG with the
 * JDK's ImageIO, scales it down to at most {@code MAX_WIDTH} pixels wide and writes it as a JPEG
 * of the given quality to {@code OUT_ROOT/FOLDER/NAME.jpg} (FOLDER: the input's folder name).
 * Prints one line {@code result NAME WxH->WxH BYTES_IN->BYTES_OUT bytes OUT_PATH}, which the item's
 * log keeps. Exit 2 (permanent) when the file is not an image.
 *
 * <p>Usage: {@code Compress INPUT OUT_ROOT QUALITY_PERCENT MAX_WIDTH}
 */
public final class Compress {
    /** Exit code of an input that is not an image: retrying will not help. */
    static final int NOT_AN_IMAGE = 2;

    private Compress() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            System.err.println("usage: Compress INPUT OUT_ROOT QUALITY_PERCENT MAX_WIDTH");
            System.exit(64);
        }
        Path input = Path.of(args[0]);
        BufferedImage image = ImageIO.read(input.toFile());
        if (image == null) {
            System.err.println(input.getFileName() + " is not a PNG or JPEG image");
            System.exit(NOT_AN_IMAGE);
        }
        BufferedImage scaled = scale(image, Integer.parseInt(args[3]));
        String name = input.getFileName().toString().replaceFirst("\\.[^.]*$", "") + ".jpg";
        Path out = Path.of(args[1]).resolve(input.getParent().getFileName().toString()).resolve(name);
        Files.createDirectories(out.getParent());
        Path partial = out.resolveSibling(name + ".part");
        writeJpeg(scaled, partial, Integer.parseInt(args[2]) / 100f);
        Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.printf("result %s %dx%d->%dx%d %d->%d bytes %s%n", input.getFileName(), image.getWidth(), image.getHeight(),
                scaled.getWidth(), scaled.getHeight(), Files.size(input), Files.size(out), out);
    }

    /** The image at most {@code maxWidth} wide, same aspect ratio, as RGB (JPEG has no alpha). */
    static BufferedImage scale(BufferedImage image, int maxWidth) {
        int width = Math.min(maxWidth, image.getWidth());
        int height = Math.max(1, Math.round(image.getHeight() * (width / (float) image.getWidth())));
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(image, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Writes a JPEG with {@code quality} between 0 and 1. */
    static void writeJpeg(BufferedImage image, Path file, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality);
        Files.deleteIfExists(file);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
    }
}
