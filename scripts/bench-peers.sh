#!/usr/bin/env bash
# Times whole programs a person runs, median of RUNS (default 5), with a
# peer measured in the same run where one is installed:
#   sessionguard check --local     the standalone check (all checks, live)
#   paretosecurity check           Pareto Security's check, when PARETO
#                                  names its binary (its self-update check
#                                  skipped: it needs the internet)
# The check asked of the running agent and the other in-process figures
# are go benchmarks (make bench); see docs/performance.md.
set -euo pipefail
RUNS=${RUNS:-5}
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/sessionguard" ./cmd/sessionguard

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.0f ms\n", m*1000}'; }

timed() { # name, command...
	local name=$1; shift
	for _ in $(seq "$RUNS"); do
		local start end
		start=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || true
		end=$(date +%s.%N)
		awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
	done | median | sed "s/^/$name: /"
}

timed "sessionguard check --local" "$bin/sessionguard" check --local
if [ -n "${PARETO:-}" ]; then
	timed "paretosecurity check" "$PARETO" check --skip 44e4754a-0b42-4964-9cc2-b88b2023cb1e
else
	echo "paretosecurity check: not measured (set PARETO to its binary)"
fi
