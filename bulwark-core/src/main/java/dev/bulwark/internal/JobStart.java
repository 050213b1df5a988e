package dev.bulwark.internal;

import dev.bulwark.BulwarkClock;
import dev.bulwark.EngineEvent;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobCounts;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.util.Json;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The start of a job run in this process: the attempts a crash interrupted recorded as such, the
 * run's counts, breakers and budgets primed from the ledger, and the {@code job_started} event.
 * The counterpart of {@link JobEnd}. {@code breakers}: the job's breakers, or null when it has none.
 */
record JobStart(Ledger ledger, Job job, BulwarkClock clock, String worker, JobReport report, RunBreakers breakers,
                JobHalts halts) {

    void start() {
        report.started();
        recoverAndPrime();
        @SuppressWarnings("unchecked")
        Map<String, Object> config = Json.MAPPER.convertValue(job.config(), Map.class);
        report.emit(new EngineEvent.JobStarted(job.id(), clock.now(), job.name(), job.total(), worker, config));
    }

    private void recoverAndPrime() {
        int recovered = ledger.recoverInterrupted(job.id(), clock.now(), worker);
        if (recovered > 0) {
            report.emit(new EngineEvent.ItemsRecovered(job.id(), clock.now(), recovered,
                    recovered + " attempt(s) interrupted by a crash were recorded as interrupted"));
        }
        JobCounts start = ledger.counts(job.id());
        Set<Long> waiting = new HashSet<>();
        long after = 0;
        // Paging through the job for RETRY_WAIT items costs a walk over all of it: only when there are some.
        while (start.retryWait() > 0) {
            List<Item> page = ledger.items(job.id(), new ItemQuery(Set.of(ItemStatus.RETRY_WAIT), after, 5_000));
            page.forEach(i -> waiting.add(i.seq()));
            if (page.size() < 5_000) {
                break;
            }
            after = page.get(page.size() - 1).seq();
        }
        report.counts().reset(start, waiting);
        report.primed();
        if (breakers != null) {
            breakers.restore();
        }
        halts.prime(start);
    }
}
