/**
 * Integration tests of the {@code bulwark} command: the packaged jar ({@code target/bulwark.jar})
 * run as real processes on real SQLite homes, killed with real signals. No mocks.
 *
 * <p>Run by maven-failsafe-plugin after the package phase:
 * <pre>
 * mvn -B verify -pl bulwark-cli -am                      # all tests; the crash loop with 5 kills
 * mvn -B verify -pl bulwark-cli -am -Pcrash              # the crash loop with 50 kills
 * mvn -B verify -pl bulwark-cli -am -Dit.test=HomeIT     # one class (add -Dtest=none
 *                                                        #   -Dsurefire.failIfNoSpecifiedTests=false to skip unit tests)
 * -Dbulwark.it.seed=N          repeat the crash loop's random choices (the seed is printed and in failure messages)
 * -Dbulwark.it.crashLoops=K    any number of kills
 * -Dbulwark.it.cds=false       start the jar without the class-data-sharing archive
 * </pre>
 *
 * <p>Rules these tests keep: every wait is for a condition (a line on the process's standard
 * error, a file, the ledger showing N outcomes, a process gone) with a generous upper bound, never
 * a sleep standing in for one; the only sleeps are the crash loop's deliberate random delays
 * before a kill. Random choices come from a printed seed. Output of every process is kept and
 * shown when an assertion fails.
 *
 * <ul>
 *   <li>{@link dev.bulwark.cli.it.BulwarkProcess}: starts the jar, collects its output, waits,
 *       sends SIGTERM, crashes it with SIGKILL (and reports the orphans it leaves).</li>
 *   <li>{@link dev.bulwark.cli.it.LedgerFile}: reads {@code ledger.db} read-only, for waiting
 *       on progress and for the attempt rows, which no command prints.</li>
 *   <li>{@link dev.bulwark.cli.it.CrashResumeIT}: kill -9 and resume, again and again; the
 *       invariant about orphaned commands is documented there.</li>
 *   <li>{@link dev.bulwark.cli.it.HostileInputIT}: file names and keys that break naive
 *       command building, with and without {@code --shell}; CSV and JSON lines exports.</li>
 *   <li>{@link dev.bulwark.cli.it.HomeIT}: one writer per home, readers beside it, cancel,
 *       pause, SIGTERM, unusable homes and inputs, a ledger that cannot grow.</li>
 * </ul>
 */
package dev.bulwark.cli.it;
