#!/usr/bin/env bash
# Baton against its baselines, in one run on this machine:
#   flat: N independent /bin/true tasks     — baton run  vs  make -j  vs  xargs -P (a bare process spawner)
#   dag:  N /bin/true tasks in layers of 100, each after two tasks of the layer before — baton vs make -j
#   big:  a 100,000-task workflow: validated and stored (--dry-run), then run, then re-run when all are done
# Usage: bench/run.sh [N] [--big]      (N defaults to 10000; --big adds the 100,000-task case, a few minutes)
# Prints a Markdown table; docs/performance.md records its output.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=10000
big=false
for arg in "$@"; do
    case "$arg" in
        --big) big=true ;;
        *) n=$arg ;;
    esac
done
cpus=$(nproc)
work=$(mktemp -d /tmp/baton-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
baton="$root/baton"
"$baton" --help >/dev/null   # builds the CLI once, outside the measurements

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
per_task_ms() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.3f", 1000 * s / n }'; }
rows=()
measure() { # label tasks command...
    local label=$1 tasks=$2; shift 2
    local start end
    start=$(now); "$@" >/dev/null; end=$(now)
    local s; s=$(seconds "$start" "$end")
    rows+=("| $label | $tasks | $s | $(rate "$tasks" "$s") | $(per_task_ms "$tasks" "$s") |")
}

# --- flat: N independent tasks -------------------------------------------------------------------------
{
    echo "name: bench-flat"
    echo "templates:"
    echo "  t:"
    echo "    command: /bin/true {i}"
    echo "    node_args: [i]"
    echo "tasks:"
    echo "  - template: t"
    printf "    foreach: { i: ["; seq -s, 0 $((n - 1)) | tr -d '\n'; echo "] }"
} > "$work/flat.yaml"
{
    printf "all:"; for ((i = 0; i < n; i++)); do printf " t%d" "$i"; done; echo
    for ((i = 0; i < n; i++)); do printf "t%d:\n\t@/bin/true %d\n" "$i" "$i"; done
    echo ".PHONY: all $(seq -s ' ' -f 't%.0f' 0 $((n - 1)))"
} > "$work/flat.mk"

measure "flat: make -j$cpus" "$n" make -s -j"$cpus" -f "$work/flat.mk"
measure "flat: xargs -P$cpus (bare spawner)" "$n" sh -c "seq 0 $((n - 1)) | xargs -P $cpus -n 1 /bin/true"
measure "flat: baton run (fresh workspace)" "$n" "$baton" run "$work/flat.yaml" --workspace "$work/ws-flat" --cpus "$cpus" --no-progress
measure "flat: baton run again (all done)" "$n" "$baton" run "$work/flat.yaml" --workspace "$work/ws-flat" --cpus "$cpus" --no-progress

# --- dag: layers of 100, each task after two tasks of the layer before -------------------------------------
width=100
layers=$(( (n + width - 1) / width ))
{
    echo "name: bench-dag"
    echo "templates:"
    echo "  t:"
    echo "    command: /bin/true {l} {j}"
    echo "    node_args: [l, j]"
    echo "tasks:"
    for ((l = 0; l < layers; l++)); do
        for ((j = 0; j < width; j++)); do
            if ((l == 0)); then
                echo "  - { name: t-$l-$j, template: t, args: { l: $l, j: $j } }"
            else
                echo "  - { name: t-$l-$j, template: t, args: { l: $l, j: $j }, after: [t-$((l - 1))-$j, t-$((l - 1))-$(((j + 1) % width))] }"
            fi
        done
    done
} > "$work/dag.yaml"
{
    printf "all:"; for ((l = 0; l < layers; l++)); do for ((j = 0; j < width; j++)); do printf " t-%d-%d" "$l" "$j"; done; done; echo
    for ((l = 0; l < layers; l++)); do
        for ((j = 0; j < width; j++)); do
            if ((l == 0)); then printf "t-%d-%d:\n" "$l" "$j"; else printf "t-%d-%d: t-%d-%d t-%d-%d\n" "$l" "$j" $((l - 1)) "$j" $((l - 1)) $(((j + 1) % width)); fi
            printf "\t@/bin/true %d %d\n" "$l" "$j"
        done
    done
    printf ".PHONY: all"; for ((l = 0; l < layers; l++)); do for ((j = 0; j < width; j++)); do printf " t-%d-%d" "$l" "$j"; done; done; echo
} > "$work/dag.mk"
dag_tasks=$((layers * width))
measure "dag: make -j$cpus" "$dag_tasks" make -s -j"$cpus" -f "$work/dag.mk"
measure "dag: baton run (fresh workspace)" "$dag_tasks" "$baton" run "$work/dag.yaml" --workspace "$work/ws-dag" --cpus "$cpus" --no-progress

# --- big: 100,000 tasks --------------------------------------------------------------------------------------
if $big; then
    {
        echo "name: bench-big"
        echo "templates:"
        echo "  t:"
        echo "    command: /bin/true {a} {b}"
        echo "    node_args: [a, b]"
        echo "tasks:"
        echo "  - template: t"
        printf "    foreach: { a: ["; seq -s, 0 999 | tr -d '\n'; printf "], b: ["; seq -s, 0 99 | tr -d '\n'; echo "] }"
    } > "$work/big.yaml"
    measure "big: validate and store 100,000 tasks (--dry-run)" 100000 "$baton" run "$work/big.yaml" --workspace "$work/ws-big" --cpus "$cpus" --dry-run
    measure "big: baton run 100,000 tasks" 100000 "$baton" run "$work/big.yaml" --workspace "$work/ws-big" --cpus "$cpus" --no-progress
    measure "big: baton run again (all done)" 100000 "$baton" run "$work/big.yaml" --workspace "$work/ws-big" --cpus "$cpus" --no-progress
fi

echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr); N = $n"
echo
echo "| case | tasks | seconds | tasks/s | ms per task |"
echo "|---|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
