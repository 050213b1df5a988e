#!/bin/sh
# The sample batch's per-item command: "converts" one text report into a summary.
#
#   convert.sh [ignored...] FILE      (the item's path is the last argument)
#
# Writes $BULWARK_SAMPLE_OUT/<name>.summary (default examples/sample/out, relative to the
# current directory) holding the file's line and word counts and its first line in capitals.
# The summary is written to a temporary file and renamed, so it is either complete or absent,
# and running an item again simply rewrites the same summary.
#
# Staged failures, to show what Bulwark does with them:
#   flaky-*  exit 75 (transient) on the first attempt (BULWARK_ATTEMPT=1, the default when
#            run by hand), success from the second attempt on: retried with backoff;
#   an empty file, or one holding a line %%BINARY%%: exit 2, "not a text report" (permanent
#            when run with --permanent-exit 2): not retried, goes to the review queue.
# Exit 64: called without a file.
set -eu

if [ "$#" -eq 0 ]; then
    echo "usage: convert.sh FILE" >&2
    exit 64
fi
for file in "$@"; do :; done
case $file in
    -*) file=./$file ;;
esac

name=$(basename "$file")
attempt=${BULWARK_ATTEMPT:-1}
out=${BULWARK_SAMPLE_OUT:-examples/sample/out}

# Looks like work: 100 ms per file, so progress and ETA are visible.
sleep 0.1

if [ ! -f "$file" ] || [ ! -r "$file" ]; then
    echo "not a text report: $file: no such readable file" >&2
    exit 2
fi

case $name in
    flaky-*)
        if [ "$attempt" -le 1 ]; then
            echo "convert.sh: $name: upstream busy, try again (attempt $attempt)" >&2
            exit 75
        fi
        ;;
esac

if [ ! -s "$file" ] || grep -q -x '%%BINARY%%' "$file"; then
    echo "not a text report: $file (empty or binary content); fix or replace the file, a retry will not help" >&2
    exit 2
fi

# shellcheck disable=SC2046 # wc prints "LINES WORDS", split on purpose
set -- $(wc -l -w <"$file")
lines=$1
words=$2
title=$(head -n 1 "$file" | tr '[:lower:]' '[:upper:]')

[ -d "$out" ] || mkdir -p "$out"
tmp=$out/.$name.summary.tmp.$$
trap 'rm -f "$tmp"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
{
    echo "source: $file"
    echo "lines: $lines"
    echo "words: $words"
    echo "title: $title"
} >"$tmp"
mv -f "$tmp" "$out/$name.summary"

echo "converted $file -> $out/$name.summary ($lines lines, $words words, attempt $attempt)"
