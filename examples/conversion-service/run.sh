#!/usr/bin/env bash
# Example 2 of the service (see README.md): a file conversion service with a free and a premium
# tier, uploads, downloadable outputs and signed webhooks. Generates the images and the
# configuration, starts `bulwark serve` on a free loopback port, drives it through the REST API
# (ConversionService run checks its own expectations, including the webhooks its own loopback
# receiver gets, and exits non-zero on a mismatch), and stops the server with SIGTERM.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
example_work conversion-service
mkdir -p "$work"
work=$(cd "$work" && pwd)
run_example dev.bulwark.examples.conversion.ConversionService setup --work "$work"
./bulwark --version >/dev/null # builds the command-line jar first when it is missing or stale

./bulwark serve --home "$work/home" --config "$work/bulwark.yaml" --port 0 2>"$work/serve.log" &
serve=$!
stop_server() {
    kill -TERM "$serve" 2>/dev/null || true
    wait "$serve" 2>/dev/null || true
}
trap stop_server EXIT
url=
for _ in $(seq 1 300); do # the server prints its address once it listens (port 0: any free one)
    url=$(sed -n 's/^bulwark: serving \(http:[^ ]*\) .*/\1/p' "$work/serve.log" | head -1)
    [[ -n $url ]] && break
    if ! kill -0 "$serve" 2>/dev/null; then
        cat "$work/serve.log" >&2
        echo "conversion-service: bulwark serve did not start" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ -z $url ]]; then
    echo "conversion-service: bulwark serve printed no address within 30 s" >&2
    exit 1
fi
echo "bulwark serve: $url"
run_example dev.bulwark.examples.conversion.ConversionService run --work "$work" --url "$url"
