#!/usr/bin/env bash
# Example 5: a delivery of 40 generated scanned tickets processed with 4 threads by the day shift;
# then a second delivery of 20 with 2 threads by the night shift, in which a critical error (an
# expired weighbridge calibration) stops the run and rolls it back. Each run checks its results
# (exit non-zero on a mismatch); the second checks the rollback and the audit trail of both runs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
example_work ticket-review
run_example dev.bulwark.examples.tickets.TicketProcessing --work "$work" --inbox inbox --tickets 40 --threads 4 \
    --operator day-shift --expect-runs 1
echo
echo "--- a second delivery, 2 threads, another operator: ticket 50 was weighed with an expired calibration"
run_example dev.bulwark.examples.tickets.TicketProcessing --work "$work" --inbox inbox-2 --first 41 --tickets 20 \
    --critical 50 --threads 2 --operator night-shift --expect-runs 2
