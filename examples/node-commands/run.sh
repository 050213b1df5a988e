#!/usr/bin/env bash
# Example 1: tokens from tokens.txt sent to a simulated node one after another; the batch halts
# after 3 consecutive failures while the node is down, is resumed once it is back, and its failed
# tokens run again. Checks its results and exits non-zero on a mismatch.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
example_work node-commands
run_example dev.bulwark.examples.nodes.NodeCommands --tokens examples/node-commands/tokens.txt --work "$work" \
    --node AP01m --check yes
