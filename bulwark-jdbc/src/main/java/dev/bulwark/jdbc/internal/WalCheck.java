package dev.bulwark.jdbc.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a ledger's write-ahead log ({@code ledger.db-wal}) as SQLite would, to find damage that
 * SQLite itself passes over in silence: SQLite uses the frames up to the first one whose checksum
 * fails and ignores the rest, so a damaged header or a damaged frame in the middle would make the
 * last committed transactions — recorded outcomes — disappear without an error, and the next
 * writer would overwrite them.
 *
 * <p>A log is damaged when it has content but no valid header, or when a committed transaction
 * follows a frame that fails its checksum (the frames after a failing one are checked against its
 * stored checksum): a process that crashes leaves at most an unfinished transaction at the end, and
 * a rolled-back transaction leaves frames without a commit, never a commit behind a bad frame.
 * Frames of an earlier generation (other salts) after the end are the normal leftovers of a log
 * that SQLite started over. Format: https://www.sqlite.org/fileformat2.html#the_write_ahead_log
 */
final class WalCheck {
    private static final int HEADER = 32;
    private static final int FRAME_HEADER = 24;
    private static final int MAGIC_LE = 0x377f0682;
    private static final int MAGIC_BE = 0x377f0683;

    private WalCheck() {
    }

    /**
     * What is wrong with the write-ahead log of {@code dbFile}, or null when it is absent, empty or
     * sound.
     */
    static String problem(Path dbFile) throws IOException {
        Path wal = dbFile.resolveSibling(dbFile.getFileName() + "-wal");
        long size;
        try {
            size = Files.size(wal);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (size == 0) {
            return null;
        }
        try (InputStream in = Files.newInputStream(wal)) {
            byte[] header = in.readNBytes(HEADER);
            if (header.length < HEADER) {
                return "its header is cut short (" + size + " bytes)";
            }
            ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.BIG_ENDIAN);
            int magic = h.getInt(0);
            if (magic != MAGIC_LE && magic != MAGIC_BE) {
                return "its header is not a write-ahead log header";
            }
            boolean bigEndian = magic == MAGIC_BE;
            int pageSize = h.getInt(8);
            if (pageSize < 512 || pageSize > 65_536 || Integer.bitCount(pageSize) != 1) {
                return "its header names an impossible page size " + pageSize;
            }
            int[] sum = checksum(header, 0, 24, bigEndian, 0, 0);
            if (sum[0] != h.getInt(24) || sum[1] != h.getInt(28)) {
                return "the checksum of its header is wrong";
            }
            int salt1 = h.getInt(16);
            int salt2 = h.getInt(20);
            boolean broken = false; // a frame failed: SQLite reads nothing from there on
            boolean chained = true; // sum is the checksum the next frame continues from
            long frame = 0;
            byte[] buf = new byte[FRAME_HEADER + pageSize];
            while (in.readNBytes(buf, 0, buf.length) == buf.length) {
                frame++;
                ByteBuffer f = ByteBuffer.wrap(buf).order(ByteOrder.BIG_ENDIAN);
                if (f.getInt(8) != salt1 || f.getInt(12) != salt2) { // an older generation's frame, or a damaged header
                    broken = true;
                    chained = false;
                    continue;
                }
                int[] stored = {f.getInt(16), f.getInt(20)};
                if (chained) {
                    int[] next = checksum(buf, 0, 8, bigEndian, sum[0], sum[1]);
                    next = checksum(buf, FRAME_HEADER, pageSize, bigEndian, next[0], next[1]);
                    if (next[0] == stored[0] && next[1] == stored[1]) {
                        boolean commit = f.getInt(4) != 0;
                        if (broken && commit) {
                            return "frame " + frame + " commits a transaction that SQLite would not read, because an earlier frame is damaged";
                        }
                        sum = next;
                        continue;
                    }
                }
                // A frame that fails, or the first after an unreadable one: the frames after it continue from
                // its stored checksum, so a damaged page in the middle does not hide the commits behind it.
                broken = true;
                chained = true;
                sum = stored;
            }
            return null;
        }
    }

    /** SQLite's WAL checksum over {@code length} bytes (a multiple of 8), continuing from {@code s0, s1}. */
    private static int[] checksum(byte[] data, int offset, int length, boolean bigEndian, int s0, int s1) {
        ByteBuffer b = ByteBuffer.wrap(data, offset, length).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        for (int i = offset; i < offset + length; i += 8) {
            s0 += b.getInt(i) + s1;
            s1 += b.getInt(i + 4) + s0;
        }
        return new int[] {s0, s1};
    }
}
