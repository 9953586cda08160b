#!/bin/sh
# analyze.sh TRAJECTORY OUT: mean, variance and range of a trajectory after a burn-in,
# and how many distinct values it visits (1 = fixed point, 2^k = a cycle, many = chaos).
set -eu
in=$1 out=$2
awk 'NR > 1000 {
    n++; s += $2; ss += $2 * $2
    if (n == 1 || $2 < lo) lo = $2
    if (n == 1 || $2 > hi) hi = $2
    seen[sprintf("%.6f", $2)] = 1
} END {
    mean = s / n; var = ss / n - mean * mean; if (var < 0) var = 0
    distinct = 0; for (k in seen) distinct++
    printf "mean=%.6f variance=%.6f min=%.6f max=%.6f distinct=%d\n", mean, var, lo, hi, distinct
}' "$in" > "$out"
cat "$out"
