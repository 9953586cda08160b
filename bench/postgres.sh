#!/usr/bin/env bash
# The PostgreSQL store beside SQLite, in one run on this machine (scripts/postgres/start's throw-away cluster):
#   flat: N independent /bin/true tasks;  dag: N tasks in layers of 100, each after two of the layer before;
#   big:  a 100,000-task workflow validated and stored (--dry-run).
# For PostgreSQL it also counts the transactions the database committed during each case (pg_stat_database's
# xact_commit: writes and reads alike, so an upper bound on group commits) per task.
# Usage: bench/postgres.sh [N]      (N defaults to 5000). Prints a Markdown table for docs/performance.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-5000}
cpus=$(nproc)
work=$(mktemp -d /tmp/baton-bench-pg.XXXXXX)
trap 'rm -rf "$work"' EXIT
baton="$root/baton"
"$baton" --help >/dev/null   # builds the CLI once, outside the measurements
"$root/scripts/postgres/start" >/dev/null
pgdir=${BATON_POSTGRES_DIR:-${TMPDIR:-/tmp}/baton-postgres}
url=$(cat "$pgdir/connection")
port=$(sed -E 's|.*:([0-9]+)/.*|\1|' <<<"$url")
admin() { psql -X -q -t -A -h "$pgdir" -p "$port" -U postgres -d postgres -c "$1"; }
fresh_db() { admin "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null; admin "CREATE DATABASE $1 OWNER baton" >/dev/null; }
db_url() { sed -E "s|/postgres\?|/$1?|" <<<"$url"; }
commits() { admin "SELECT xact_commit FROM pg_stat_database WHERE datname = '$1'"; }

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
rows=()
measure() { # label tasks database-or-empty command...
    local label=$1 tasks=$2 db=$3; shift 3
    local start end before=0 after=0 per="—"
    [ -n "$db" ] && before=$(commits "$db")
    start=$(now); "$@" >/dev/null; end=$(now)
    if [ -n "$db" ]; then
        sleep 0.6   # the statistics collector reports at most every 500 ms
        after=$(commits "$db")
        per=$(awk -v c=$((after - before)) -v n="$tasks" 'BEGIN { printf "%.2f", c / n }')
    fi
    local s; s=$(seconds "$start" "$end")
    rows+=("| $label | $tasks | $s | $(rate "$tasks" "$s") | $per |")
}

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
    echo "name: bench-big"
    echo "templates:"
    echo "  t:"
    echo "    command: /bin/true {a} {b}"
    echo "    node_args: [a, b]"
    echo "tasks:"
    echo "  - template: t"
    printf "    foreach: { a: ["; seq -s, 0 999 | tr -d '\n'; printf "], b: ["; seq -s, 0 99 | tr -d '\n'; echo "] }"
} > "$work/big.yaml"

for case in flat dag; do
    tasks=$n
    [ "$case" = dag ] && tasks=$((layers * width))
    measure "$case: SQLite" "$tasks" "" "$baton" run "$work/$case.yaml" --workspace "$work/ws-$case-sqlite" --cpus "$cpus" --no-progress
    fresh_db "bench_$case"
    BATON_STORE=$(db_url "bench_$case") measure "$case: PostgreSQL" "$tasks" "bench_$case" "$baton" run "$work/$case.yaml" --workspace "$work/ws-$case-pg" --cpus "$cpus" --no-progress
done
measure "big: store 100,000 tasks, SQLite (--dry-run)" 100000 "" "$baton" run "$work/big.yaml" --workspace "$work/ws-big-sqlite" --cpus "$cpus" --dry-run
fresh_db bench_big
BATON_STORE=$(db_url bench_big) measure "big: store 100,000 tasks, PostgreSQL (--dry-run)" 100000 "bench_big" "$baton" run "$work/big.yaml" --workspace "$work/ws-big-pg" --cpus "$cpus" --dry-run
for db in bench_flat bench_dag bench_big; do admin "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; done

echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr); PostgreSQL $(psql --version | awk '{print $3}') on loopback; N = $n"
echo
echo "| case | tasks | seconds | tasks/s | PostgreSQL transactions per task |"
echo "|---|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
