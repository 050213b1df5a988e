#!/usr/bin/env bash
# Example 1: tokens from tokens.txt sent to a simulated node one after another; the node's circuit
# breaker halts the batch after 3 consecutive failed commands while the node is down; once it is
# back, the breaker is reset, the batch resumed, and its failed tokens run again. Then the same tokens go to three
# nodes, each node's commands in order and the nodes side by side (order per scope). Checks its results and exits
# non-zero on a mismatch.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
example_work node-commands
run_example dev.bulwark.examples.nodes.NodeCommands --tokens examples/node-commands/tokens.txt --work "$work" \
    --node AP01m --check yes
run_example dev.bulwark.examples.nodes.NodeFleet --tokens examples/node-commands/tokens.txt --work "$work/fleet" --check yes
