package dev.bulwark.examples.conversion;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes an image as a lossless WebP (RIFF, one {@code VP8L} chunk) so the example can make WebP
 * uploads itself: neither the JDK nor a well-kept Java library writes WebP. The simplest valid
 * bitstream: no transforms, no colour cache, and fixed 8-bit prefix codes for green, red and blue
 * (every value one code of length 8), opaque alpha as a one-symbol code — so no compression at
 * all (3 bytes a pixel), but any VP8L decoder reads it.
 */
final class PlainWebp {
    /** The order in which the lengths of the code-length code are stored (VP8L specification). */
    private static final int[] CODE_LENGTH_ORDER = {17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8};

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private long bits;
    private int used;

    private PlainWebp() {
    }

    static void write(BufferedImage image, Path file) throws IOException {
        int w = image.getWidth();
        int h = image.getHeight();
        if (w > 16384 || h > 16384) {
            throw new IllegalArgumentException("WebP takes at most 16384 pixels a side, not " + w + "x" + h);
        }
        PlainWebp out = new PlainWebp();
        out.put(0x2f, 8); // VP8L signature
        out.put(w - 1, 14);
        out.put(h - 1, 14);
        out.put(0, 1); // alpha not used
        out.put(0, 3); // version 0
        out.put(0, 1); // no transform
        out.put(0, 1); // no colour cache
        out.put(0, 1); // no meta prefix codes: one group of five codes for the whole image
        out.fixedEightBitCode(256 + 24); // green: 256 literals + 24 length prefixes (unused)
        out.fixedEightBitCode(256); // red
        out.fixedEightBitCode(256); // blue
        out.put(1, 1); // alpha: a simple code of one 8-bit symbol, 255
        out.put(0, 1);
        out.put(1, 1);
        out.put(255, 8);
        out.put(1, 1); // distance: a simple code of one 1-bit symbol, 0 (never used)
        out.put(0, 1);
        out.put(0, 1);
        out.put(0, 1);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = image.getRGB(x, y);
                out.literal((argb >> 8) & 0xff);
                out.literal((argb >> 16) & 0xff);
                out.literal(argb & 0xff);
            }
        }
        byte[] chunk = out.finish();
        int padded = chunk.length + (chunk.length & 1);
        ByteArrayOutputStream riff = new ByteArrayOutputStream(padded + 20);
        riff.writeBytes("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        littleEndian(riff, 4 + 8 + padded);
        riff.writeBytes("WEBPVP8L".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        littleEndian(riff, chunk.length);
        riff.writeBytes(chunk);
        if ((chunk.length & 1) == 1) {
            riff.write(0);
        }
        Files.write(file, riff.toByteArray());
    }

    /**
     * A normal prefix code over {@code symbols} whose first 256 have length 8 and the rest 0: its
     * code-length code has two symbols of length 1, "0" (bit 0) and "8" (bit 1).
     */
    private void fixedEightBitCode(int symbols) {
        put(0, 1); // normal code
        put(CODE_LENGTH_ORDER.length - 4, 4);
        for (int symbol : CODE_LENGTH_ORDER) {
            put(symbol == 0 || symbol == 8 ? 1 : 0, 3);
        }
        put(0, 1); // max_symbol: the whole alphabet
        for (int s = 0; s < symbols; s++) {
            put(s < 256 ? 1 : 0, 1);
        }
    }

    /** A literal of a fixed 8-bit code: the code is the value, sent from its highest bit on. */
    private void literal(int value) {
        put(Integer.reverse(value) >>> 24, 8);
    }

    /** Appends the low {@code n} bits of {@code value}, least significant first. */
    private void put(int value, int n) {
        bits |= (long) (value & ((1 << n) - 1)) << used;
        used += n;
        while (used >= 8) {
            bytes.write((int) (bits & 0xff));
            bits >>>= 8;
            used -= 8;
        }
    }

    private byte[] finish() {
        if (used > 0) {
            bytes.write((int) (bits & 0xff));
            bits = 0;
            used = 0;
        }
        return bytes.toByteArray();
    }

    private static void littleEndian(ByteArrayOutputStream out, int value) {
        for (int i = 0; i < 4; i++) {
            out.write((value >>> (8 * i)) & 0xff);
        }
    }
}
