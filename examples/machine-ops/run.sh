#!/usr/bin/env bash
# Example 4: operations on four simulated machines with a circuit breaker per machine; one machine
# fails, its breaker opens and its operations wait while the others go on, a trial goes through
# after the open time (2 s here) and the breaker closes. Checks its results and exits non-zero on
# a mismatch.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
example_work machine-ops
run_example dev.bulwark.examples.machines.MachineOps --work "$work" --open 2s --check yes
