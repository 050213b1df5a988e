#!/usr/bin/env bash
# compare-peers.sh — the same batch of no-op items run by Bulwark, db-scheduler, JobRunr and
# Spring Batch (versions pinned in bulwark-bench/pom.xml), side by side in one command
# (dev.bulwark.bench.peers.PeersMain). Each run is a fresh JVM on a fresh store: a SQLite file in
# WAL mode with synchronous=FULL (Bulwark: --durability full), or a fresh schema of a PostgreSQL
# database (db-scheduler, JobRunr and Bulwark; Spring Batch runs on SQLite only), all with the same
# thread count. Then Bulwark alone on SQLite at each --sweep concurrency (durability full, then
# normal). Prints one JSON line per run (runner, store, items, threads, seconds, items_per_s, ...),
# then the ratio table (Bulwark's items/s / each runner's, round by round), and writes the chart.
#
# Usage: bulwark-bench/scripts/compare-peers.sh [--items N] [--threads N] [--runs N]
#          [--runners bulwark,db-scheduler,jobrunr,spring-batch] [--stores sqlite,postgresql]
#          [--postgres postgresql://127.0.0.1:5432/test?user=postgres] [--sweep 1,2,8,64] [--sweep-items N]
#          [--svg FILE] [--out FILE] [--timeout SECONDS]
#        compare-peers.sh --from FILE [--svg FILE]   (table and chart of an earlier run's JSON lines)
#   defaults: 20000 items, 2 threads, 1 run, every runner, sqlite only, no sweep, no chart;
#   the JSON lines are also appended to bulwark-bench/target/peers.jsonl unless --out says otherwise.
# Environment: JAVA (default: java on PATH when it is 21+, else the newest JDK 21+ under
#              /usr/lib/jvm or JAVA_HOME), PEERS_JAVA_OPTS (JVM options of every run;
#              default: -XX:+UseSerialGC, as the ./bulwark launcher).
# Exit status: 0 when every run stored every item as done, 1 otherwise, 2 on bad usage.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
case " $* " in *" --out "* | *" --from "*) out=() ;; *) out=(--out "$root/bulwark-bench/target/peers.jsonl") ;; esac
# Offline first (everything is usually in the local repository after a build); online when that fails.
build=(-B -q -pl bulwark-bench -am -DskipTests test-compile dependency:build-classpath
    -Dmdep.outputFile=target/peers-classpath.txt -Dmdep.includeScope=runtime)
mvn -o "${build[@]}" >/dev/null 2>&1 || mvn "${build[@]}" >/dev/null
# The class path file lists the other modules' target/classes too (the reactor resolves them there).
cp="$root/bulwark-bench/target/classes:$(cat "$root/bulwark-bench/target/peers-classpath.txt")"
. "$root/bulwark-bench/scripts/java21.sh" compare-peers
# shellcheck disable=SC2086
exec "$JAVA" ${PEERS_JAVA_OPTS:--XX:+UseSerialGC} --enable-native-access=ALL-UNNAMED -cp "$cp" \
    dev.bulwark.bench.peers.PeersMain "${out[@]}" "$@"
