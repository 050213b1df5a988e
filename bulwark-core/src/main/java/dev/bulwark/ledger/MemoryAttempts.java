package dev.bulwark.ledger;

import static dev.bulwark.ledger.MemoryColumns.AttemptChunk;
import static dev.bulwark.ledger.MemoryColumns.CHUNK;
import static dev.bulwark.ledger.MemoryColumns.ERROR_CLASSES;
import static dev.bulwark.ledger.MemoryColumns.MASK;
import static dev.bulwark.ledger.MemoryColumns.NO_TIME;
import static dev.bulwark.ledger.MemoryColumns.OUTCOMES;
import static dev.bulwark.ledger.MemoryColumns.SHIFT;
import static dev.bulwark.ledger.MemoryColumns.at;
import static dev.bulwark.ledger.MemoryColumns.instant;

import dev.bulwark.Attempt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * The attempts of one job in a {@link MemoryTable}, in columns, one row each in the order they
 * were recorded; each row links to the item's attempt before it, so an item's history is walked
 * from its latest row. Not thread-safe: used under the ledger's lock.
 */
final class MemoryAttempts {
    private AttemptChunk[] attemptRows = new AttemptChunk[1];
    private int attemptCount;

    /** The columns holding attempt {@code row} (at {@code row & MASK}), or null for row -1 (no attempt). */
    AttemptChunk chunk(int row) {
        return row < 0 ? null : attemptRows[row >>> SHIFT];
    }

    /** Stores {@code a} after {@code previous}, the row of the item's latest attempt (-1: none); returns its row. */
    int append(int previous, Attempt a) {
        int row = attemptCount;
        int c = row >>> SHIFT;
        if (c == attemptRows.length) {
            attemptRows = Arrays.copyOf(attemptRows, c * 2);
        }
        if (attemptRows[c] == null) {
            attemptRows[c] = new AttemptChunk();
        }
        AttemptChunk ch = attemptRows[c];
        int k = row & MASK;
        ch.number[k] = a.number();
        ch.previous[k] = previous;
        ch.startSec[k] = a.startedAt() == null ? 0 : a.startedAt().getEpochSecond();
        ch.startNano[k] = a.startedAt() == null ? NO_TIME : a.startedAt().getNano();
        ch.endSec[k] = a.finishedAt() == null ? 0 : a.finishedAt().getEpochSecond();
        ch.endNano[k] = a.finishedAt() == null ? NO_TIME : a.finishedAt().getNano();
        ch.durationMs[k] = a.durationMs();
        ch.outcome[k] = (byte) a.outcome().ordinal();
        ch.errorClass[k] = (byte) (a.errorClass() == null ? 0 : a.errorClass().ordinal() + 1);
        ch.worker[k] = a.worker();
        if (a.category() != null) {
            (ch.category == null ? ch.category = new String[CHUNK] : ch.category)[k] = a.category();
        }
        if (a.message() != null) {
            (ch.message == null ? ch.message = new String[CHUNK] : ch.message)[k] = a.message();
        }
        if (a.logPath() != null) {
            (ch.logPath == null ? ch.logPath = new String[CHUNK] : ch.logPath)[k] = a.logPath();
        }
        if (a.exitCode() != null) {
            (ch.exitCode == null ? ch.exitCode = new Integer[CHUNK] : ch.exitCode)[k] = a.exitCode();
        }
        attemptCount++;
        return row;
    }

    /** The attempts of item {@code seq} of job {@code jobId}, whose latest is at {@code lastRow}, oldest first. */
    List<Attempt> history(UUID jobId, long seq, int lastRow) {
        List<Attempt> out = new ArrayList<>();
        for (int row = lastRow; row >= 0; ) {
            AttemptChunk ch = attemptRows[row >>> SHIFT];
            int k = row & MASK;
            out.add(new Attempt(jobId, seq, ch.number[k], instant(ch.startSec[k], ch.startNano[k]),
                    instant(ch.endSec[k], ch.endNano[k]), OUTCOMES[ch.outcome[k]],
                    ch.errorClass[k] == 0 ? null : ERROR_CLASSES[ch.errorClass[k] - 1], at(ch.category, k),
                    at(ch.message, k), at(ch.exitCode, k), ch.durationMs[k], ch.worker[k], at(ch.logPath, k)));
            row = ch.previous[k];
        }
        Collections.reverse(out);
        return out;
    }
}
