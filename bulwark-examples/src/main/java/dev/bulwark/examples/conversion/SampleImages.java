package dev.bulwark.examples.conversion;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Generates the example's input images: photo-like pictures (a gradient sky, hills, and a few
 * hundred soft shapes, so JPEG has detail to compress), the same bytes on every run.
 */
final class SampleImages {
    static final int WIDTH = 1600;
    static final int HEIGHT = 1200;

    private SampleImages() {
    }

    /** Writes {@code count} images into {@code dir}: PNGs, and every {@code jpegEvery}-th one a JPEG (0: none). */
    static List<Path> write(Path dir, String prefix, int count, int jpegEvery, long seed) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            boolean jpeg = jpegEvery > 0 && i % jpegEvery == 0;
            Path file = dir.resolve(String.format("%s-%02d.%s", prefix, i, jpeg ? "jpg" : "png"));
            BufferedImage image = picture(new Random(seed * 1000 + i));
            if (jpeg) {
                Compress.writeJpeg(image, file, 0.95f);
            } else {
                ImageIO.write(image, "png", file.toFile());
            }
            files.add(file);
        }
        return files;
    }

    /** Writes one image as a lossless WebP ({@link PlainWebp}). */
    static Path writeWebp(Path dir, String name, long seed) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(name);
        PlainWebp.write(picture(new Random(seed)), file);
        return file;
    }

    private static BufferedImage picture(Random random) {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setPaint(new GradientPaint(0, 0, new Color(random.nextInt(80), 100 + random.nextInt(100), 200 + random.nextInt(56)),
                    0, HEIGHT, new Color(230, 200 + random.nextInt(56), 150)));
            g.fillRect(0, 0, WIDTH, HEIGHT);
            for (int hill = 0; hill < 4; hill++) {
                g.setColor(new Color(30 + random.nextInt(60), 90 + random.nextInt(100), 30 + random.nextInt(50)));
                int cx = random.nextInt(WIDTH);
                g.fillOval(cx - 700, HEIGHT / 2 + random.nextInt(HEIGHT / 3), 1400, 900);
            }
            for (int shape = 0; shape < 400; shape++) {
                g.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256), 60 + random.nextInt(120)));
                int x = random.nextInt(WIDTH);
                int y = random.nextInt(HEIGHT);
                int size = 5 + random.nextInt(60);
                if (random.nextBoolean()) {
                    g.fillOval(x, y, size, size);
                } else {
                    g.setStroke(new BasicStroke(1 + random.nextInt(4)));
                    g.drawLine(x, y, x + random.nextInt(120) - 60, y + random.nextInt(120) - 60);
                }
            }
        } finally {
            g.dispose();
        }
        return image;
    }
}
