#!/usr/bin/env bash
# Baton's SLURM executor beside a raw job array, on the cluster scripts/slurm/start runs (or any cluster):
#   raw:   one `sbatch --array=0-(N-1) --wrap "sleep S"`, then squeue every second until none is left
#   baton: `baton run --executor slurm` of an N-task workflow of `sleep S` (one template: one job array), poll 1 s
# Both count the SLURM commands they run. Usage: bench/slurm.sh [N [S]]   (N defaults to 1000, S to 1)
# Prints a Markdown table; docs/performance.md records its output.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-1000}
s=${2:-1}
work=$(mktemp -d /tmp/baton-bench-slurm.XXXXXX)
trap 'scancel --name=baton-bench-raw >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
baton="$root/baton"
"$baton" --help >/dev/null   # builds the CLI once, outside the measurements

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# Wrappers that count each SLURM command, then exec the real one.
mkdir -p "$work/bin"
for c in sbatch squeue scancel scontrol sacct; do
    real=$(command -v "$c")
    printf '#!/bin/sh\necho %s >> %s/calls.log\nexec %s "$@"\n' "$c" "$work" "$real" > "$work/bin/$c"
    chmod +x "$work/bin/$c"
done
count() { grep -c "^$1\$" "$work/calls.log" 2>/dev/null || true; }

# --- raw job array -----------------------------------------------------------------------------------------
: > "$work/calls.log"
start=$(now)
id=$("$work/bin/sbatch" --parsable --job-name=baton-bench-raw --output=/dev/null --array="0-$((n - 1))" --wrap "sleep $s")
while [ -n "$("$work/bin/squeue" --noheader --jobs="$id" 2>/dev/null)" ]; do sleep 1; done
end=$(now)
raw="| raw sbatch --array + squeue every 1 s | $n | $(seconds "$start" "$end") | $(count sbatch) | $(count squeue) | $(count sacct) |"

# --- baton --------------------------------------------------------------------------------------------------
: > "$work/calls.log"
mkdir -p "$work/ws"
printf 'slurm:\n  poll_interval: 1s\n  submissions_per_second: 50\n  commands_dir: %s\n' "$work/bin" > "$work/ws/settings.yaml"
{
    echo "name: bench-slurm"
    echo "templates:"
    echo "  nap:"
    echo "    command: sh -c 'sleep $s' sh {i}"
    echo "    node_args: [i]"
    echo "tasks:"
    echo "  - template: nap"
    echo "    foreach: { i: [$(seq -s, "$n")] }"
} > "$work/wf.yaml"
start=$(now)
"$baton" run "$work/wf.yaml" --executor slurm --no-progress --workspace "$work/ws" >/dev/null
end=$(now)
bat="| baton run --executor slurm (poll 1 s) | $n | $(seconds "$start" "$end") | $(count sbatch) | $(count squeue) | $(count sacct) |"

echo "| what ($s s tasks) | tasks | seconds | sbatch calls | squeue calls | sacct calls |"
echo "|---|---|---|---|---|---|"
echo "$raw"
echo "$bat"
