#!/bin/sh
# simulate.sh RATE SEED STEPS OUT: iterate the logistic map from a seeded random start.
set -eu
rate=$1 seed=$2 steps=$3 out=$4
awk -v r="$rate" -v seed="$seed" -v steps="$steps" 'BEGIN {
    srand(seed); x = rand()
    for (i = 0; i < steps; i++) { x = r * x * (1 - x); printf "%d %.12f\n", i, x }
}' > "$out"
echo "simulated rate=$rate seed=$seed: $(wc -l < "$out") steps"
