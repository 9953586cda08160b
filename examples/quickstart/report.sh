#!/bin/sh
# report.sh UPSTREAM_DIRS OUT: one line per analysed sweep point, most chaotic first.
set -eu
list=$1 out=$2
while IFS= read -r dir; do
    name=$(sed -n 's/.*"name": "\(.*\)".*/\1/p' "$dir/params.json" | head -n 1)
    printf '%s %s\n' "$name" "$(cat "$dir/stats.txt")"
done < "$list" | sort -t= -k6 -n -r > "$out"
cat "$out"
