package dev.bulwark.ledger;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The order scopes of a {@link MemoryTable} whose job is ordered by scope: the items without a
 * final outcome of each order scope, and the lowest of each (the scope's head: the only one of
 * the scope that may be claimed). Not thread-safe: used under the ledger's lock.
 */
final class MemoryOrderScopes {
    private final Map<String, TreeSet<Integer>> openByOrderKey = new HashMap<>();
    private final BitSet orderHeads = new BitSet();

    /** Item {@code i} of order scope {@code k} gained ({@code open}) or lost its place among the open items of its scope. */
    void open(String k, int i, boolean open) {
        TreeSet<Integer> scopeOpen = openByOrderKey.computeIfAbsent(k, x -> new TreeSet<>());
        int before = scopeOpen.isEmpty() ? -1 : scopeOpen.first();
        if (open) {
            scopeOpen.add(i);
        } else {
            scopeOpen.remove(i);
        }
        int after = scopeOpen.isEmpty() ? -1 : scopeOpen.first();
        if (before != after) {
            if (before >= 0) {
                orderHeads.clear(before);
            }
            if (after >= 0) {
                orderHeads.set(after);
            }
        }
        if (scopeOpen.isEmpty()) {
            openByOrderKey.remove(k);
        }
    }

    /** The lowest index at or after {@code from} that heads its order scope, or -1. */
    int nextHead(int from) {
        return orderHeads.nextSetBit(from);
    }
}
