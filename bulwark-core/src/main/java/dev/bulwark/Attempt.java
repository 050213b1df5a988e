package dev.bulwark;

import java.time.Instant;
import java.util.UUID;

/**
 * One execution of an item by a handler; every attempt is kept (the audit trail).
 *
 * @param jobId      the job
 * @param seq        the item
 * @param number     1-based attempt number of the item, never reused
 * @param startedAt  when the attempt started
 * @param finishedAt when it ended
 * @param outcome    what became of it
 * @param errorClass class of the failure, or null
 * @param category   short failure category, or null
 * @param message    failure message (or a short note), or null
 * @param exitCode   exit code or status, or null
 * @param durationMs duration in milliseconds
 * @param worker     the process that ran it
 * @param logPath    the item's log file, or null
 */
public record Attempt(UUID jobId, long seq, int number, Instant startedAt, Instant finishedAt,
                      AttemptOutcome outcome, ErrorClass errorClass, String category, String message,
                      Integer exitCode, long durationMs, String worker, String logPath) {
}
