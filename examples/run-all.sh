#!/usr/bin/env bash
# Runs every example under examples/ that has a run.sh (each checks its own results) and exits
# non-zero if any of them fails. Output of each example goes to the terminal as it runs.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
failed=()
passed=0
for script in */run.sh; do
    name=${script%/run.sh}
    echo "=== examples/$name"
    if bash "$script" </dev/null; then
        passed=$((passed + 1))
    else
        failed+=("$name")
    fi
    echo
done
echo "examples: ${passed} passed, ${#failed[@]} failed"
if ((${#failed[@]} > 0)); then
    echo "examples failed: ${failed[*]}"
    exit 1
fi
