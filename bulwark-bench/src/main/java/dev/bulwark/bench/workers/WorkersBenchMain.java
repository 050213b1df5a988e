package dev.bulwark.bench.workers;

import dev.bulwark.Engine;
import dev.bulwark.JobConfig;
import dev.bulwark.Job;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.WorkQueue;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

/**
 * Drains no-op items with worker <em>processes</em> on one PostgreSQL database and prints one JSON
 * line per scenario: Bulwark workers with claim batches of 1 and 50, and db-scheduler (16.x) with
 * its lock-and-fetch polling, side by side in one run. Throughput is items over the time from the
 * moment the work became visible to the workers (Bulwark: the job handed to them; db-scheduler: the
 * executions inserted, due) to the moment the last one was done, both on the database's clock.
 * Claim latency is measured in each worker around its claim transaction (db-scheduler: its
 * lock-and-fetch statement).
 *
 * <pre>
 * java -cp CLASSPATH dev.bulwark.bench.workers.WorkersBenchMain --url postgresql://HOST/DB?user=U
 *      [--items 100000] [--workers 2] [--concurrency 64] [--scenarios bulwark:1,bulwark:50,db-scheduler] [--out FILE]
 * </pre>
 */
public final class WorkersBenchMain {
    private static final Pattern P99 = Pattern.compile("\"claim_p99_ms\":([0-9.]+)");
    private static final Pattern CLAIMS = Pattern.compile("\"claims\":([0-9]+)");

    private WorkersBenchMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        if (o.containsKey("child")) {
            if (o.get("child").equals("bulwark")) {
                WorkerChild.run(o.get("url"), Integer.parseInt(o.getOrDefault("batch", "50")),
                        Integer.parseInt(o.get("concurrency")), o.get("name"));
            } else {
                BenchChild.run(o.get("url"), Integer.parseInt(o.get("concurrency")), o.get("name"));
            }
            return;
        }
        String url = o.get("url");
        if (url == null) {
            System.err.println("usage: WorkersBenchMain --url postgresql://HOST/DB?user=U [--items N] [--workers N] "
                    + "[--concurrency N] [--scenarios bulwark:1,bulwark:50,db-scheduler] [--out FILE]");
            System.exit(64);
        }
        long items = Long.parseLong(o.getOrDefault("items", "100000"));
        int workers = Integer.parseInt(o.getOrDefault("workers", "2"));
        int concurrency = Integer.parseInt(o.getOrDefault("concurrency", "64"));
        for (String scenario : o.getOrDefault("scenarios", "bulwark:1,bulwark:50,db-scheduler").split(",")) {
            String line = scenario(url, scenario.strip(), items, workers, concurrency);
            System.out.println(line);
            if (o.containsKey("out")) {
                Files.writeString(Path.of(o.get("out")), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        }
    }

    /**
     * One scenario's outcome.
     *
     * @param scenario    {@code bulwark:BATCH} or {@code db-scheduler}
     * @param batch       the claim batch (0 for db-scheduler)
     * @param settings    the server's {@code synchronous_commit/fsync}
     * @param seconds     from the work becoming visible to the workers until the last item was done (database clock)
     * @param workerLines each worker's JSON line (its claims and claim latencies)
     */
    public record Run(String scenario, long items, int workers, int concurrency, int batch, String settings, double seconds,
                      List<String> workerLines) {
        /** Items per second. */
        public double itemsPerS() {
            return items / seconds;
        }
    }

    private static String scenario(String url, String scenario, long items, int workers, int concurrency) throws Exception {
        return result(run(url, scenario, items, workers, concurrency));
    }

    /**
     * Runs one scenario in a fresh schema of the database at {@code url} ({@code postgresql://} or
     * {@code jdbc:postgresql://}), dropped afterwards. The worker processes run this class with the
     * class path of this JVM; Bulwark's need only what the bulwark jar carries.
     */
    public static Run run(String database, String scenario, long items, int workers, int concurrency) throws Exception {
        String jdbc = database.startsWith("jdbc:") ? database : "jdbc:" + database;
        boolean bulwark = scenario.startsWith("bulwark");
        int batch = bulwark ? Integer.parseInt(scenario.substring(scenario.indexOf(':') + 1)) : 0;
        String schema = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String url = jdbc + (jdbc.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        try (Connection admin = DriverManager.getConnection(url); Statement s = admin.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
            String settings = setting(s, "synchronous_commit") + "/" + setting(s, "fsync");
            try {
                List<String> lines = new ArrayList<>();
                Instant[] window = bulwark ? runBulwark(url, s, items, workers, concurrency, batch, lines)
                        : runDbScheduler(url, s, items, workers, concurrency, lines);
                double seconds = (window[1].toEpochMilli() - window[0].toEpochMilli()) / 1000.0;
                return new Run(scenario, items, workers, concurrency, batch, settings, seconds, List.copyOf(lines));
            } finally {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    private static Instant[] runBulwark(String url, Statement s, long items, int workers, int concurrency, int batch,
                                        List<String> lines) throws Exception {
        UUID jobId;
        try (PostgresLedger ledger = PostgresLedger.open(url); Engine engine = Engine.builder().ledger(ledger).build()) {
            // The job's limit across workers does not bind here: the workers' own slots do.
            Job job = engine.submit("bench", JobConfig.builder().concurrency(JobConfig.MAX_CONCURRENCY).build(),
                    LongStream.rangeClosed(1, items).mapToObj(i -> Engine.ItemSpec.of("item-" + i)).iterator());
            jobId = job.id();
            List<Process> started = start("bulwark", url, workers, concurrency, batch);
            Instant t0 = now(s);
            new WorkQueue(ledger).enqueue(jobId, 0, JobConfig.MAX_CONCURRENCY);
            Instant t1 = awaitInstant(s, "SELECT finished_at FROM jobs WHERE id = '" + jobId + "' AND status = 'COMPLETED'");
            stop(started, lines);
            return new Instant[] {t0, t1};
        }
    }

    private static Instant[] runDbScheduler(String url, Statement s, long items, int workers, int concurrency,
                                            List<String> lines) throws Exception {
        s.execute("CREATE TABLE scheduled_tasks (task_name text NOT NULL, task_instance text NOT NULL, task_data bytea, "
                + "execution_time timestamptz NOT NULL, picked boolean NOT NULL, picked_by text, last_success timestamptz, "
                + "last_failure timestamptz, consecutive_failures int, last_heartbeat timestamptz, version bigint NOT NULL, "
                + "priority smallint, PRIMARY KEY (task_name, task_instance))");
        s.execute("CREATE INDEX execution_time_idx ON scheduled_tasks (execution_time)");
        s.execute("CREATE INDEX last_heartbeat_idx ON scheduled_tasks (last_heartbeat)");
        s.execute("CREATE INDEX priority_execution_time_idx ON scheduled_tasks (priority DESC, execution_time ASC)");
        List<Process> started = start("db-scheduler", url, workers, concurrency, 0);
        s.execute("INSERT INTO scheduled_tasks (task_name, task_instance, execution_time, picked, version) "
                + "SELECT 'noop', 'item-' || i, now() - interval '1 second', false, 1 FROM generate_series(1, " + items + ") i");
        Instant t0 = now(s);
        Instant t1 = awaitInstant(s, "SELECT clock_timestamp() WHERE NOT EXISTS (SELECT 1 FROM scheduled_tasks)");
        stop(started, lines);
        return new Instant[] {t0, t1};
    }

    private static List<Process> start(String kind, String url, int workers, int concurrency, int batch) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<Process> started = new ArrayList<>();
        for (int w = 1; w <= workers; w++) {
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), WorkersBenchMain.class.getName(),
                    "--child", kind, "--url", url, "--batch", Integer.toString(batch), "--concurrency",
                    Integer.toString(concurrency), "--name", kind + "-" + w)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            started.add(p);
        }
        for (Process p : started) {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.equals("ready")) {
                System.err.println(line);
            }
        }
        return started;
    }

    private static void stop(List<Process> started, List<String> lines) throws Exception {
        for (Process p : started) {
            try (Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
                w.write("stop\n");
            }
        }
        for (Process p : started) {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("{")) {
                    lines.add(line);
                }
            }
            p.waitFor();
        }
    }

    private static String result(Run r) {
        double p99 = 0;
        long claims = 0;
        for (String child : r.workerLines()) {
            Matcher m = P99.matcher(child);
            if (m.find()) {
                p99 = Math.max(p99, Double.parseDouble(m.group(1)));
            }
            Matcher c = CLAIMS.matcher(child);
            if (c.find()) {
                claims += Long.parseLong(c.group(1));
            }
        }
        return String.format(Locale.ROOT, "{\"scenario\":\"%s\",\"items\":%d,\"workers\":%d,\"concurrency\":%d,\"claim_batch\":%s,"
                        + "\"synchronous_commit/fsync\":\"%s\",\"seconds\":%.3f,\"items_per_s\":%.0f,\"claims\":%d,"
                        + "\"claim_p99_ms\":%.2f,\"workers_detail\":[%s]}", r.scenario(), r.items(), r.workers(), r.concurrency(),
                r.batch() == 0 ? "null" : Integer.toString(r.batch()), r.settings(), r.seconds(), r.itemsPerS(), claims, p99,
                String.join(",", r.workerLines()));
    }

    private static String setting(Statement s, String name) throws SQLException {
        try (ResultSet rs = s.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static Instant now(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getObject(1, java.time.OffsetDateTime.class).toInstant();
        }
    }

    /** Polls {@code sql} every 20 ms until it returns a row; returns its instant. */
    private static Instant awaitInstant(Statement s, String sql) throws SQLException, InterruptedException {
        while (true) {
            try (ResultSet rs = s.executeQuery(sql)) {
                if (rs.next()) {
                    return rs.getObject(1, java.time.OffsetDateTime.class).toInstant();
                }
            }
            Thread.sleep(20); // the polling interval of the measurement, not a wait for an event
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return o;
    }
}
