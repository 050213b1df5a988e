#!/usr/bin/env bash
# The quick-start batch through the command line (see README.md): 24 files, two flaky ones
# retried, broken.txt to the review queue. Checks the exit code (1: PARTIAL) and the review
# queue, and exits non-zero on a mismatch. Builds the bulwark jar on first use.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
example_work sample
export BULWARK_SAMPLE_OUT=$work/out
./bulwark run --home "$work/home" --input examples/sample/inbox --permanent-exit 2 --backoff 200ms -- examples/sample/convert.sh
rc=$?
job=$(./bulwark list --home "$work/home" --json | sed -n 's/.*"id" *: *"\([0-9a-f-]*\)".*/\1/p' | head -1)
review=$(./bulwark export "$job" --home "$work/home" --status FAILED --format csv)
echo "$review"
mismatches=0
expect() {
    if [[ $2 == "$3" ]]; then
        echo "  ok        $1: $3"
    else
        echo "  MISMATCH  $1: expected $2, got $3"
        mismatches=$((mismatches + 1))
    fi
}
expect "exit code (PARTIAL)" 1 "$rc"
expect "review queue rows" 1 "$(($(printf '%s\n' "$review" | wc -l) - 1))"
expect "the failed item" yes "$(grep -q 'examples/sample/inbox/broken.txt' <<<"$review" && echo yes || echo no)"
expect "summaries written" 23 "$(find "$BULWARK_SAMPLE_OUT" -name '*.summary' | wc -l | tr -d ' ')"
if ((mismatches > 0)); then
    echo "sample: $mismatches expectation(s) NOT met"
    exit 1
fi
echo "sample: all 4 expectations met"
