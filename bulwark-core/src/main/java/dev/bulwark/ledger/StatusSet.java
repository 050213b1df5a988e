package dev.bulwark.ledger;

import java.util.BitSet;

/**
 * The items of one status in a {@link MemoryTable}, by index, with a cursor below which none is
 * set. Not thread-safe: used under the ledger's lock.
 */
final class StatusSet {
    private final BitSet bits = new BitSet();
    private int low;

    void add(int i) {
        bits.set(i);
        low = Math.min(low, i);
    }

    void remove(int i) {
        bits.clear(i);
    }

    /** The lowest index in the set, or -1. */
    int first() {
        int f = bits.nextSetBit(low);
        low = f < 0 ? bits.length() : f;
        return f;
    }

    /** The lowest index at or after {@code from}, or -1. */
    int next(int from) {
        return bits.nextSetBit(from);
    }

    int[] toArray() {
        int[] out = new int[bits.cardinality()];
        int k = 0;
        for (int i = first(); i >= 0; i = bits.nextSetBit(i + 1)) {
            out[k++] = i;
        }
        return out;
    }
}
