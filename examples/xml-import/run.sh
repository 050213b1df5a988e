#!/usr/bin/env bash
# Example 3: import examples/xml-import/invoices/*.xml into an SQLite database, 5 at a time, then
# run the import again (it is idempotent) with a retention of 0s, which prunes the first run's job.
# Each run checks its results against expected.properties and exits non-zero on a mismatch.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
example_work xml-import
run_example dev.bulwark.examples.xmlimport.XmlImport --input examples/xml-import/invoices --work "$work" \
    --concurrency 5 --expect examples/xml-import/expected.properties
echo
echo "--- the same import again; old jobs pruned first"
run_example dev.bulwark.examples.xmlimport.XmlImport --input examples/xml-import/invoices --work "$work" \
    --concurrency 5 --retention 0s --expect examples/xml-import/expected.properties
