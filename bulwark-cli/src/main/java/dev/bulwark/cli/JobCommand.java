package dev.bulwark.cli;

import dev.bulwark.Job;
import dev.bulwark.ledger.Ledger;
import picocli.CommandLine.Parameters;

/** A command on one job of the home's ledger, named by its first parameter. */
abstract class JobCommand extends HomeCommand {
    @Parameters(index = "0", paramLabel = "JOB", description = "The job id (or its first characters).")
    String job;

    /** The job named on the command line, found in {@code ledger} (by its id or the first characters of it). */
    Job jobIn(Ledger ledger) {
        return Views.resolve(ledger, job);
    }
}
