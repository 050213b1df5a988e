#!/usr/bin/env bash
# Example 5: 40 generated scanned tickets processed with 4 threads, then the same folder again
# with 2 threads by another operator. Each run checks its results (exit non-zero on a mismatch);
# the second run's audit trail shows both runs with their configuration snapshots.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
example_work ticket-review
run_example dev.bulwark.examples.tickets.TicketProcessing --work "$work" --tickets 40 --threads 4 \
    --operator day-shift --expect-runs 1
echo
echo "--- the same folder again, 2 threads, another operator"
run_example dev.bulwark.examples.tickets.TicketProcessing --work "$work" --tickets 40 --threads 2 \
    --operator night-shift --expect-runs 2
