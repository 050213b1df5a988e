#!/usr/bin/env bash
# compare-exec.sh — per-item commands, side by side: bulwark vs xargs vs GNU parallel.
#
# Makes ITEMS small files with random content in a temporary directory, then runs a command once
# per file at concurrency 2 with each runner, RUNS times, the runners taking turns within each
# round (so that a change in the machine's load hits them alike). Each run is timed (wall clock,
# process start included). Commands (--commands, default "true"):
#
#   true           the cost of the runner alone (start a process, wait for it, record it)
#   sha256sum FILE a small real command that reads its file
#
# Runners:
#   xargs                 find DIR -type f -print0 | xargs -0 -n1 -P 2 CMD
#   parallel              find DIR -type f -print0 | parallel -0 -j 2 --joblog FILE CMD
#                         (skipped with a note when GNU parallel is not installed)
#   bulwark               ./bulwark run --home TMP --input DIR --concurrency 2 --quiet -- CMD
#                         with default settings (no {} placeholder: the file is appended as the
#                         last argument). Every outcome goes to the SQLite ledger, every item's
#                         output to its log file. On Linux each command is started with one
#                         posix_spawn, in a process group of its own.
#   bulwark-processbuilder  the same with -Dbulwark.exec.jdkLauncher=true: commands started by
#                         the JDK's ProcessBuilder (posix_spawn of jspawnhelper, which execs the
#                         command), as before the direct spawn; for a before/after in one run.
#                         Left out with --no-before.
#   bulwark-baseline      with --baseline LAUNCHER: the same run with another bulwark launcher
#                         (an older build, say, unpacked as a release), in the same rounds, for a
#                         before/after of a change on a machine whose load moves.
#
# Afterwards it checks that bulwark recorded every outcome (bulwark list/status --json), and
# prints each run's items/s and CPU seconds (user + system of the runner and every process it
# waited for, as the kernel counts them for reaped children), then per runner the items/s and
# CPU milliseconds per item of every run and the ratios
# bulwark/xargs and bulwark/parallel of every round (higher is better for bulwark), against the
# goals (>= 0.8 x xargs, >= 3 x parallel).
#
# Usage: bulwark-bench/scripts/compare-exec.sh [--items N] [--runs N] [--commands "CMD ..."] [--no-before]
#                                             [--baseline LAUNCHER] [--keep]
#   --items N      number of files (default 5000)
#   --runs N       rounds (default 3)
#   --commands L   space-separated commands to time (default "true"; also: sha256sum)
#   --no-before    leave out the bulwark-processbuilder runner
#   --baseline L   add the bulwark-baseline runner: bulwark launcher L (e.g. DIR/bin/bulwark)
#   --keep         keep the temporary directory (files, bulwark homes, joblogs)
# Environment: BULWARK (default: the ./bulwark launcher of this repository),
#              BULWARK_JAVA_OPTS (passed on to every bulwark run).
# Exit status: 0 when every bulwark run recorded every outcome, 1 otherwise, 2 on bad usage.
set -euo pipefail

FILES=5000
RUNS=3
COMMANDS=true
BEFORE=true
KEEP=false
BASELINE=
while (($#)); do
    case $1 in
        --items | --files) FILES=${2:?--items needs a number}; shift 2 ;;
        --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
        --commands) COMMANDS=${2:?--commands needs a list}; shift 2 ;;
        --no-before) BEFORE=false; shift ;;
        --baseline) BASELINE=${2:?--baseline needs a bulwark launcher}; shift 2 ;;
        --keep) KEEP=true; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare-exec: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ $FILES =~ ^[1-9][0-9]*$ ]] || { echo "compare-exec: --items must be a positive number, not $FILES" >&2; exit 2; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "compare-exec: --runs must be a positive number, not $RUNS" >&2; exit 2; }
for cmd in $COMMANDS; do
    case $cmd in
        true | sha256sum) ;;
        *) echo "compare-exec: --commands takes true and/or sha256sum, not $cmd" >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BULWARK=${BULWARK:-$ROOT/bulwark}
[[ -x $BULWARK ]] || { echo "compare-exec: no bulwark launcher at $BULWARK" >&2; exit 2; }
[[ -z $BASELINE || -x $BASELINE ]] || { echo "compare-exec: no bulwark launcher at $BASELINE (--baseline)" >&2; exit 2; }
BEFORE_OPT=-Dbulwark.exec.jdkLauncher=true
BASE_OPTS=${BULWARK_JAVA_OPTS:-}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bulwark-compare.XXXXXX")
cleanup() {
    if $KEEP; then
        echo "kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

now() { date +%s.%N; }
# JSON field of stdin: a dotted path into the first object (arrays: the first element).
json_get() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[0] if isinstance(v, list) else v
    v = v[k]
print(v)' "$1"
    elif command -v jq >/dev/null 2>&1; then
        jq -r "if type == \"array\" then .[0] else . end | .$1"
    else
        echo "compare-exec: needs python3 or jq to read bulwark's JSON" >&2
        return 1
    fi
}

# ---- input -------------------------------------------------------------------------------------
DIR=$WORK/files
mkdir -p "$DIR"
echo "making $FILES files with random content in $DIR ..."
# Shell built-ins only: one fork per file would take longer than some of the runs measured.
for ((i = 1; i <= FILES; i++)); do
    printf '%s %s %s %s\n' "$i" "$RANDOM$RANDOM" "$RANDOM$RANDOM$RANDOM" "$RANDOM" >"$DIR/file-$i.txt"
done
# Warm the page cache, and the launcher (a first start may build the jar and its class archive).
find "$DIR" -type f -print0 | xargs -0 cat >/dev/null
"$BULWARK" --version >/dev/null
[[ -z $BASELINE ]] || "$BASELINE" --version >/dev/null

HAVE_PARALLEL=false
PARALLEL_NOTE=
if command -v parallel >/dev/null 2>&1 && parallel --version 2>/dev/null | grep -q 'GNU parallel'; then
    HAVE_PARALLEL=true
else
    PARALLEL_NOTE="GNU parallel is not installed (apt-get install parallel): its rows are skipped"
fi

# ---- runners -----------------------------------------------------------------------------------
# Each prints the elapsed seconds and the CPU seconds of one run on stdout; output of the commands
# is discarded (bulwark keeps it in its per-item logs, as it always does). Every runner runs in a
# subshell of its own ($(...)), so the CPU time its subshell's reaped children used (fields 16 and 17
# of /proc/PID/stat, in clock ticks) is that run's, and nothing else's.
TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# child_ticks PID: the CPU clock ticks of the reaped children of PID (the runner's subshell: $BASHPID
# there, read before any further $(...) makes a subshell of its own)
child_ticks() { awk '{ sub(/.*\) /, ""); print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# elapsed T0 T1 C0 C1: "seconds cpu_seconds"
elapsed() { awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" -v t="$TCK" 'BEGIN { printf "%.3f %.2f\n", b - a, (d - c) / t }'; }

run_xargs() {
    local t0 t1 c0 c1 me=$BASHPID
    c0=$(child_ticks "$me")
    t0=$(now)
    find "$DIR" -type f -print0 | xargs -0 -n1 -P 2 "$@" >/dev/null
    t1=$(now)
    c1=$(child_ticks "$me")
    elapsed "$t0" "$t1" "$c0" "$c1"
}

run_parallel() {
    local log=$WORK/joblog-$1-$RANDOM t0 t1 c0 c1 me=$BASHPID
    shift
    c0=$(child_ticks "$me")
    t0=$(now)
    find "$DIR" -type f -print0 | parallel --will-cite -0 -j 2 --joblog "$log" "$@" >/dev/null
    t1=$(now)
    c1=$(child_ticks "$me")
    local done_ok
    done_ok=$(awk 'NR > 1 && $7 == 0' "$log" | wc -l)
    if ((done_ok != FILES)); then
        echo "compare-exec: GNU parallel's joblog shows $done_ok successful jobs of $FILES" >&2
    fi
    elapsed "$t0" "$t1" "$c0" "$c1"
}

# Runs happen in subshells ($(...)): a failure is recorded in this file, not in a variable.
FAILED=$WORK/failed
# run_bulwark LAUNCHER LABEL EXTRA_JAVA_OPTS CMD...: a fresh home per run, then checks the ledger.
run_bulwark() {
    local launcher=$1 label=$2 opts=$3 home t0 t1 c0 c1 out id status succeeded me=$BASHPID
    shift 3
    home=$WORK/home-$label-$RANDOM
    out=$WORK/bulwark-$label.out
    # Untimed: the launcher rebuilds its jar first when a source file changed since the last start.
    "$launcher" --version >/dev/null
    c0=$(child_ticks "$me")
    t0=$(now)
    if ! BULWARK_JAVA_OPTS="$BASE_OPTS $opts" "$launcher" run --home "$home" --input "$DIR" --concurrency 2 --quiet \
        -- "$@" >"$out" 2>&1; then
        echo "compare-exec: bulwark run failed ($label); its output:" >&2
        cat "$out" >&2
        touch "$FAILED"
    fi
    t1=$(now)
    c1=$(child_ticks "$me")
    id=$("$launcher" list --home "$home" --json | json_get id)
    status=$("$launcher" status --home "$home" "$id" --json)
    succeeded=$(json_get counts.succeeded <<<"$status")
    if [[ $(json_get status <<<"$status") != COMPLETED || $succeeded != "$FILES" ]]; then
        echo "compare-exec: bulwark ($label) job $id: status $(json_get status <<<"$status"), $succeeded of $FILES succeeded" >&2
        touch "$FAILED"
    else
        echo "  bulwark ($label): job $id COMPLETED, $succeeded of $FILES outcomes recorded" >&2
    fi
    # The home stays until the end: deleting thousands of files here would make the next runs'
    # file creations slower on some file systems (ext4 without a journal skips recently freed inodes).
    elapsed "$t0" "$t1" "$c0" "$c1"
}

rate() { awk -v n="$FILES" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
per_item_ms() { awk -v n="$FILES" -v s="$1" 'BEGIN { printf "%.2f", s * 1000 / n }'; }
ratio() { # throughput of bulwark (seconds $1) relative to a runner (seconds $2)
    if [[ -z ${2:-} ]]; then echo "-"; else awk -v b="$1" -v r="$2" 'BEGIN { printf "%.2f", r / b }'; fi
}

# ---- rounds ------------------------------------------------------------------------------------
RUNNERS=(xargs)
$HAVE_PARALLEL && RUNNERS+=(parallel)
RUNNERS+=(bulwark)
$BEFORE && RUNNERS+=(bulwark-processbuilder)
[[ -z $BASELINE ]] || RUNNERS+=(bulwark-baseline)

declare -A SECS # [cmd,runner,round] -> seconds
declare -A CPU  # [cmd,runner,round] -> CPU seconds
for cmd in $COMMANDS; do
    for ((round = 1; round <= RUNS; round++)); do
        echo "round $round of $RUNS: '$cmd' over $FILES files, concurrency 2; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
        for runner in "${RUNNERS[@]}"; do
            case $runner in
                xargs) r=$(run_xargs "$cmd") ;;
                parallel) r=$(run_parallel "$cmd" "$cmd") ;;
                bulwark) r=$(run_bulwark "$BULWARK" "$cmd-default" "" "$cmd") ;;
                bulwark-processbuilder) r=$(run_bulwark "$BULWARK" "$cmd-processbuilder" "$BEFORE_OPT" "$cmd") ;;
                bulwark-baseline) r=$(run_bulwark "$BASELINE" "$cmd-baseline" "" "$cmd") ;;
            esac
            read -r s c <<<"$r"
            SECS[$cmd,$runner,$round]=$s
            CPU[$cmd,$runner,$round]=$c
            printf '  %-24s %8ss %8s items/s %8s s CPU\n' "$runner" "$s" "$(rate "$s")" "$c"
        done
    done
done

# ---- table -------------------------------------------------------------------------------------
echo
echo "$FILES files, concurrency 2, $(nproc 2>/dev/null || echo '?') CPUs, $RUNS round(s); wall clock incl. process start"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
printf '%-10s %-24s %-24s %-24s %-24s %-24s\n' command runner "items/s per round" "CPU ms/item per round" "x xargs per round" "x parallel per round"
for cmd in $COMMANDS; do
    for runner in "${RUNNERS[@]}"; do
        rates= cpus= vs_x= vs_p=
        for ((round = 1; round <= RUNS; round++)); do
            s=${SECS[$cmd,$runner,$round]}
            rates+="$(rate "$s") "
            cpus+="$(per_item_ms "${CPU[$cmd,$runner,$round]}") "
            if [[ $runner == bulwark* ]]; then
                vs_x+="$(ratio "$s" "${SECS[$cmd,xargs,$round]}") "
                vs_p+="$(ratio "$s" "${SECS[$cmd,parallel,$round]:-}") "
            fi
        done
        printf '%-10s %-24s %-24s %-24s %-24s %-24s\n' "$cmd" "$runner" "$rates" "$cpus" "$vs_x" "$vs_p"
    done
    # the goals, for the default bulwark: met when every round meets them
    met_x=met met_p=met
    for ((round = 1; round <= RUNS; round++)); do
        s=${SECS[$cmd,bulwark,$round]}
        awk -v r="$(ratio "$s" "${SECS[$cmd,xargs,$round]}")" 'BEGIN { exit !(r >= 0.8) }' || met_x="not met"
        if $HAVE_PARALLEL; then
            awk -v r="$(ratio "$s" "${SECS[$cmd,parallel,$round]}")" 'BEGIN { exit !(r >= 3) }' || met_p="not met"
        else
            met_p="not measured"
        fi
    done
    echo "$cmd: bulwark >= 0.8 x xargs in every round: $met_x; >= 3 x parallel in every round: $met_p"
done
echo "ratios: bulwark items/s divided by the other runner's items/s in the same round;"
echo "CPU: user + system seconds of the runner and of every process it waited for (JVM start included), per item"
[[ -z $PARALLEL_NOTE ]] || echo "note: $PARALLEL_NOTE"
if [[ -e $FAILED ]]; then
    echo "FAILED: bulwark did not record every outcome (see above)" >&2
    exit 1
fi
echo "bulwark recorded all $FILES outcomes in every run"
