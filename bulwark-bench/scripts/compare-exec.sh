#!/usr/bin/env bash
# compare-exec.sh — per-item commands, side by side: bulwark vs xargs vs GNU parallel.
#
# Makes FILES small files with random content in a temporary directory, then runs two commands
# once per file at concurrency 2 with each runner, timing each run (wall clock, process start
# included):
#
#   true           the cost of the runner alone (start a process, wait for it, record it)
#   sha256sum FILE a small real command that reads its file
#
# Runners:
#   bulwark          ./bulwark run --home TMP --input DIR --concurrency 2 --quiet -- CMD
#                    (no {} placeholder: the file is appended as the last argument). Every
#                    outcome goes to the SQLite ledger, every item's output to its log file.
#   bulwark (vfork)  the same with BULWARK_JAVA_OPTS=-Djdk.lang.Process.launchMechanism=VFORK
#                    (Linux only: the JDK starts processes with vfork instead of posix_spawn;
#                    JDK 25 deprecates it and warns on stderr, which goes to the run's output file)
#   xargs            find DIR -type f -print0 | xargs -0 -n1 -P 2 CMD
#   parallel         find DIR -type f -print0 | parallel -0 -j 2 --joblog FILE CMD
#                    (skipped with a note when GNU parallel is not installed)
#
# Afterwards it checks that bulwark recorded every outcome (bulwark list/status --json), and
# prints a table of seconds, items/s and the throughput ratios bulwark/xargs and
# bulwark/parallel (higher is better for bulwark).
#
# Usage: bulwark-bench/scripts/compare-exec.sh [--files N] [--runs N] [--keep]
#   --files N  number of files (default 10000)
#   --runs N   run each combination N times and keep the fastest (default 1)
#   --keep     keep the temporary directory (files, bulwark homes, joblogs)
# Environment: BULWARK (default: the ./bulwark launcher of this repository),
#              BULWARK_JAVA_OPTS (passed on to every bulwark run; the vfork row adds to it).
# Exit status: 0 when every bulwark run recorded every outcome, 1 otherwise, 2 on bad usage.
set -euo pipefail

FILES=10000
RUNS=1
KEEP=false
while (($#)); do
    case $1 in
        --files) FILES=${2:?--files needs a number}; shift 2 ;;
        --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
        --keep) KEEP=true; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare-exec: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ $FILES =~ ^[1-9][0-9]*$ ]] || { echo "compare-exec: --files must be a positive number, not $FILES" >&2; exit 2; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "compare-exec: --runs must be a positive number, not $RUNS" >&2; exit 2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BULWARK=${BULWARK:-$ROOT/bulwark}
[[ -x $BULWARK ]] || { echo "compare-exec: no bulwark launcher at $BULWARK" >&2; exit 2; }
VFORK_OPT=-Djdk.lang.Process.launchMechanism=VFORK
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

HAVE_PARALLEL=false
PARALLEL_NOTE=
if command -v parallel >/dev/null 2>&1 && parallel --version 2>/dev/null | grep -q 'GNU parallel'; then
    HAVE_PARALLEL=true
else
    PARALLEL_NOTE="GNU parallel is not installed (apt-get install parallel): its rows are skipped"
fi

# ---- runners -----------------------------------------------------------------------------------
# Each prints the elapsed seconds of one run on stdout; output of the commands is discarded
# (bulwark keeps it in its per-item logs, as it always does).
run_xargs() {
    local t0 t1
    t0=$(now)
    find "$DIR" -type f -print0 | xargs -0 -n1 -P 2 "$@" >/dev/null
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

run_parallel() {
    local log=$WORK/joblog-$1-$RANDOM t0 t1
    shift
    t0=$(now)
    find "$DIR" -type f -print0 | parallel --will-cite -0 -j 2 --joblog "$log" "$@" >/dev/null
    t1=$(now)
    local done_ok
    done_ok=$(awk 'NR > 1 && $7 == 0' "$log" | wc -l)
    if ((done_ok != FILES)); then
        echo "compare-exec: GNU parallel's joblog shows $done_ok successful jobs of $FILES" >&2
    fi
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

# Runs happen in subshells ($(...)): a failure is recorded in this file, not in a variable.
FAILED=$WORK/failed
# run_bulwark LABEL EXTRA_JAVA_OPTS CMD...: a fresh home per run, then checks the ledger.
run_bulwark() {
    local label=$1 opts=$2 home t0 t1 out id status succeeded
    shift 2
    home=$WORK/home-$label-$RANDOM
    out=$WORK/bulwark-$label.out
    # Untimed: the launcher rebuilds its jar first when a source file changed since the last start.
    "$BULWARK" --version >/dev/null
    t0=$(now)
    if ! BULWARK_JAVA_OPTS="$BASE_OPTS $opts" "$BULWARK" run --home "$home" --input "$DIR" --concurrency 2 --quiet \
        -- "$@" >"$out" 2>&1; then
        echo "compare-exec: bulwark run failed ($label); its output:" >&2
        cat "$out" >&2
        touch "$FAILED"
    fi
    t1=$(now)
    id=$("$BULWARK" list --home "$home" --json | json_get id)
    status=$("$BULWARK" status --home "$home" "$id" --json)
    succeeded=$(json_get counts.succeeded <<<"$status")
    if [[ $(json_get status <<<"$status") != COMPLETED || $succeeded != "$FILES" ]]; then
        echo "compare-exec: bulwark ($label) job $id: status $(json_get status <<<"$status"), $succeeded of $FILES succeeded" >&2
        touch "$FAILED"
    else
        echo "  bulwark ($label): job $id COMPLETED, $succeeded of $FILES outcomes recorded" >&2
    fi
    rm -rf "$home"
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

# best RUNS of: FUNCTION ARGS... (the fastest run counts)
best() {
    local best= t i
    for ((i = 0; i < RUNS; i++)); do
        t=$("$@")
        if [[ -z $best ]] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then
            best=$t
        fi
    done
    echo "$best"
}

declare -A SECS
for cmd in true sha256sum; do
    echo "running '$cmd' over $FILES files, concurrency 2, best of $RUNS ..."
    SECS[$cmd,xargs]=$(best run_xargs "$cmd")
    if $HAVE_PARALLEL; then
        SECS[$cmd,parallel]=$(best run_parallel "$cmd" "$cmd")
    fi
    SECS[$cmd,bulwark]=$(best run_bulwark "$cmd-default" "" "$cmd")
    SECS[$cmd,vfork]=$(best run_bulwark "$cmd-vfork" "$VFORK_OPT" "$cmd")
done

# ---- table -------------------------------------------------------------------------------------
rate() { awk -v n="$FILES" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
ratio() { # throughput of bulwark (seconds $1) relative to a runner (seconds $2)
    if [[ -z ${2:-} ]]; then echo "-"; else awk -v b="$1" -v r="$2" 'BEGIN { printf "%.2f", r / b }'; fi
}

echo
echo "$FILES files, concurrency 2, $(nproc 2>/dev/null || echo '?') CPUs; best of $RUNS run(s); wall clock incl. process start"
printf '%-10s %-16s %9s %9s %15s %18s\n' command runner seconds items/s bulwark/xargs bulwark/parallel
for cmd in true sha256sum; do
    for runner in xargs parallel bulwark vfork; do
        s=${SECS[$cmd,$runner]:-}
        [[ -n $s ]] || continue
        case $runner in
            vfork) name="bulwark (vfork)" ;;
            *) name=$runner ;;
        esac
        if [[ $runner == bulwark || $runner == vfork ]]; then
            printf '%-10s %-16s %9s %9s %15s %18s\n' "$cmd" "$name" "$s" "$(rate "$s")" \
                "$(ratio "$s" "${SECS[$cmd,xargs]}")" "$(ratio "$s" "${SECS[$cmd,parallel]:-}")"
        else
            printf '%-10s %-16s %9s %9s %15s %18s\n' "$cmd" "$name" "$s" "$(rate "$s")" "" ""
        fi
    done
done
echo "ratios: bulwark items/s divided by the other runner's items/s (goal: >= 0.8 vs xargs, >= 2 vs parallel)"
echo "bulwark (vfork): BULWARK_JAVA_OPTS=$VFORK_OPT"
[[ -z $PARALLEL_NOTE ]] || echo "note: $PARALLEL_NOTE"
if [[ -e $FAILED ]]; then
    echo "FAILED: bulwark did not record every outcome (see above)" >&2
    exit 1
fi
echo "bulwark recorded all $FILES outcomes in every run"
