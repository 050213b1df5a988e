#!/usr/bin/env bash
# workers-bench.sh — no-op items drained by worker processes on one PostgreSQL database:
# Bulwark workers with claim batches of 1 and 50, and db-scheduler's lock-and-fetch polling,
# side by side in one run (dev.bulwark.bench.workers.WorkersBenchMain). Prints one JSON line per
# scenario and appends them to bulwark-bench/target/workers-bench.jsonl.
#
# Usage: bulwark-bench/scripts/workers-bench.sh URL [--items N] [--workers N] [--concurrency N] [--scenarios LIST]
#   URL   postgresql://HOST[:PORT]/DB?user=NAME (each scenario works in a schema of its own and drops it)
# Environment: JAVA (a JDK 21+ bin/java; default: the first of java on PATH, JAVA_HOME and the
#              usual install folder that is 21 or newer).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
url=${1:?usage: workers-bench.sh URL [--items N] [--workers N] [--concurrency N] [--scenarios LIST]}
shift
cd "$root"
mvn -B -q -o -pl bulwark-bench -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime >/dev/null
cp="$root/bulwark-core/target/classes:$root/bulwark-jdbc/target/classes:$root/bulwark-bench/target/classes:$(cat "$root/bulwark-bench/target/classpath.txt")"
. "$root/bulwark-bench/scripts/java21.sh" workers-bench
exec "$JAVA" -cp "$cp" dev.bulwark.bench.workers.WorkersBenchMain --url "$url" \
    --out "$root/bulwark-bench/target/workers-bench.jsonl" "$@"
