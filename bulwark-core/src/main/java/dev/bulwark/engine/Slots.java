package dev.bulwark.engine;

import java.util.BitSet;

/**
 * The concurrency slots of a dispatcher, numbered from 1: an attempt holds one from its start
 * until its handler returns (or, for an ordered job, until its outcome is recorded). Thread-safe.
 */
public final class Slots {
    private final int capacity;
    private final BitSet taken = new BitSet();
    private int inUse; // guarded by taken

    public Slots(int capacity) {
        this.capacity = capacity;
    }

    public int capacity() {
        return capacity;
    }

    /** Slots not held by an attempt. */
    public int free() {
        synchronized (taken) {
            return capacity - inUse;
        }
    }

    /** Takes the lowest free slot; returns its number. The dispatcher starts an attempt only when a slot is free. */
    int take() {
        synchronized (taken) {
            if (inUse >= capacity) {
                throw new IllegalStateException("no free slot: all " + capacity + " are held");
            }
            int slot = taken.nextClearBit(0);
            taken.set(slot);
            inUse++;
            return slot + 1;
        }
    }

    /** Frees a slot; returns how many are free now. */
    int release(int slot) {
        synchronized (taken) {
            taken.clear(slot - 1);
            inUse--;
            return capacity - inUse;
        }
    }
}
