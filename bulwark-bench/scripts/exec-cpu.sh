#!/usr/bin/env bash
# exec-cpu.sh — CPU time per item of `bulwark run --concurrency 2 -- true`, by launcher.
#
# Runs ITEMS items (--items FILE of ITEMS lines) once with each way of starting commands:
#   posix_spawn     the default on Linux: one posix_spawn per item, through JNA
#   processbuilder  -Dbulwark.exec.jdkLauncher=true: the JDK's ProcessBuilder (jspawnhelper)
# and a one-item run for the fixed cost (JVM start, ledger open). It samples /proc/PID/stat of the
# JVM until it exits and prints the JVM's own CPU (user, system; every thread) and its reaped
# children's (the commands, plus jspawnhelper for ProcessBuilder), in milliseconds per item after
# the fixed cost is taken off. CPU time moves less than wall time on a machine shared with other
# work, so this is what the launcher's cost is judged by; `xargs -P 2` runs too, for scale.
#
# Usage: bulwark-bench/scripts/exec-cpu.sh [--items N] [--runs N]   (defaults: 3000 items, 2 runs)
# Linux only (reads /proc).
set -euo pipefail

ITEMS=3000
RUNS=2
while (($#)); do
    case $1 in
        --items) ITEMS=${2:?--items needs a number}; shift 2 ;;
        --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "exec-cpu: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ $ITEMS =~ ^[1-9][0-9]*$ && $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "exec-cpu: --items and --runs take positive numbers" >&2; exit 2; }
[[ -d /proc/self ]] || { echo "exec-cpu: needs /proc (Linux)" >&2; exit 2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BULWARK=${BULWARK:-$ROOT/bulwark}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bulwark-exec-cpu.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
seq 1 "$ITEMS" >"$WORK/items.txt"
echo 1 >"$WORK/one.txt"
"$BULWARK" --version >/dev/null # builds the jar when needed, untimed
TCK=$(getconf CLK_TCK)

# cpu OPTS ITEMS_FILE: prints "user_s sys_s children_s" of one bulwark run
cpu() {
    local home=$WORK/home-$RANDOM$RANDOM stat= last=
    BULWARK_JAVA_OPTS="$1" "$BULWARK" run --home "$home" --items "$2" --concurrency 2 --quiet -- true >/dev/null 2>&1 &
    local pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) && last=$stat
        sleep 0.05
    done
    wait "$pid" || { echo "exec-cpu: bulwark run failed" >&2; exit 1; }
    awk -v t="$TCK" '{ sub(/.*\) /, ""); printf "%.3f %.3f %.3f\n", $12 / t, $13 / t, ($14 + $15) / t }' <<<"$last"
}

echo "$ITEMS items, concurrency 2, $RUNS run(s) each; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-16s %12s %12s %16s %14s\n' launcher "user ms/item" "sys ms/item" "children ms/item" "total ms/item"
for ((r = 1; r <= RUNS; r++)); do
    read -r fu fs fc <<<"$(cpu "" "$WORK/one.txt")"
    for launcher in posix_spawn processbuilder; do
        opts=
        [[ $launcher == processbuilder ]] && opts=-Dbulwark.exec.jdkLauncher=true
        read -r u s c <<<"$(cpu "$opts" "$WORK/items.txt")"
        awk -v n="$ITEMS" -v u="$u" -v s="$s" -v c="$c" -v fu="$fu" -v fs="$fs" -v l="$launcher" 'BEGIN {
            printf "%-16s %12.3f %12.3f %16.3f %14.3f\n", l, (u - fu) * 1000 / n, (s - fs) * 1000 / n, c * 1000 / n,
                (u - fu + s - fs + c) * 1000 / n }'
    done
    # xargs: its own CPU and its children's, from bash's times
    t0=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)
    xargs -n1 -P 2 true <"$WORK/items.txt"
    t1=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)
    awk -v n="$ITEMS" -v a="$t0" -v b="$t1" -v t="$TCK" 'BEGIN { printf "%-16s %12s %12s %16s %14.3f\n", "xargs -P 2", "", "", "", (b - a) * 1000 / t / n }'
done
echo "user/sys: the bulwark JVM's own CPU (fixed cost of a one-item run taken off); children: the commands it reaped"
