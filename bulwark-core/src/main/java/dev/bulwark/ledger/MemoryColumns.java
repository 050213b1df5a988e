package dev.bulwark.ledger;

import dev.bulwark.AttemptOutcome;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import java.time.Instant;

/**
 * How a {@link MemoryTable} lays out its items and attempts: in columns (arrays of primitives)
 * of {@link #CHUNK} rows each, rather than one object per item or attempt. Row {@code i} is
 * entry {@code i & MASK} of chunk {@code i >>> SHIFT}.
 */
final class MemoryColumns {
    static final int SHIFT = 12;
    static final int CHUNK = 1 << SHIFT;
    static final int MASK = CHUNK - 1;
    static final ItemStatus[] STATUSES = ItemStatus.values();
    static final AttemptOutcome[] OUTCOMES = AttemptOutcome.values();
    static final ErrorClass[] ERROR_CLASSES = ErrorClass.values();
    /** Marks a missing instant in a nanos column. */
    static final int NO_TIME = -1;

    private MemoryColumns() {
    }

    /** Columns of up to {@link #CHUNK} items. Optional columns stay null until a value is stored. */
    static final class ItemChunk {
        final long[] seq = new long[CHUNK];
        final String[] key = new String[CHUNK];
        String[] payload;
        String[] scope;
        /** Order scopes ({@link NewItem#orderKey()}), null unless the job is ordered by scope. */
        String[] orderKey;
        String[] logPath;
        /** What the handler returned for a SUCCEEDED item ({@link Item#result()}). */
        String[] result;
        final byte[] status = new byte[CHUNK];
        final int[] attempts = new int[CHUNK];
        final int[] interruptions = new int[CHUNK];
        final int[] lastAttempt = new int[CHUNK];
        final long[] fence = new long[CHUNK];
        /** Row of the latest attempt in the job's attempt columns, or -1. */
        final int[] lastRow = new int[CHUNK];
    }

    /** Columns of up to {@link #CHUNK} attempts. */
    static final class AttemptChunk {
        final int[] number = new int[CHUNK];
        /** Row of the item's attempt before this one, or -1. */
        final int[] previous = new int[CHUNK];
        final long[] startSec = new long[CHUNK];
        final int[] startNano = new int[CHUNK];
        final long[] endSec = new long[CHUNK];
        final int[] endNano = new int[CHUNK];
        final long[] durationMs = new long[CHUNK];
        final byte[] outcome = new byte[CHUNK];
        /** ErrorClass ordinal + 1, or 0 for none. */
        final byte[] errorClass = new byte[CHUNK];
        final String[] worker = new String[CHUNK];
        String[] category;
        String[] message;
        String[] logPath;
        Integer[] exitCode;
    }

    static Instant instant(long seconds, int nanos) {
        return nanos == NO_TIME ? null : Instant.ofEpochSecond(seconds, nanos);
    }

    static <T> T at(T[] column, int j) {
        return column == null ? null : column[j];
    }
}
