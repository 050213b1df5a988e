#!/bin/sh
# The service example's per-item command: counts the lines and words of one text file.
#
#   wordcount.sh MODE FILE      MODE is "lines" or "words" (the template's {param:mode})
#
# Prints one line: "FILE: N lines" (or words). A file holding the line %%BROKEN%% exits 2,
# which the template declares permanent: it goes to the job's review queue (items?status=FAILED).
set -eu
mode=$1
file=$2
if grep -q '%%BROKEN%%' "$file"; then
    echo "cannot count $file: marked broken" >&2
    exit 2
fi
case $mode in
    lines) echo "$file: $(wc -l < "$file" | tr -d ' ') lines" ;;
    words) echo "$file: $(wc -w < "$file" | tr -d ' ') words" ;;
    *) echo "unknown mode $mode" >&2; exit 64 ;;
esac
