#!/usr/bin/env bash
# What linking the AWS SDK (internal/awskms, for kms-key) costs a run that
# never uses it: this tree built as shipped, and the same tree with
# internal/awskms swapped for an SDK-free stand-in (go build -overlay; no
# file of the tree changes), measured side by side by BenchmarkMainPhase
# (private key, scoped), rounds interleaved. Prints each build's size, its
# package initialisation at start (GODEBUG=inittrace=1) and the medians.
#
#   scripts/sdk-cost.sh [rounds] [runs per round]     # default 5 30
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5} runs=${2:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

pkg=internal/awskms
{
	printf '{"Replace": {'
	sep=
	for f in "$pkg"/*.go; do
		[[ $f == *_test.go ]] && continue
		printf '%s"%s": ""' "$sep" "$PWD/$f"
		sep=,
	done
	printf ', "%s": "%s"}}\n' "$PWD/$pkg/stub.go" "$PWD/scripts/sdk-cost/awskms.go.stub"
} >"$work/overlay.json"

build() { CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags='-s -w -buildid=' "$@"; }
build -o "$work/with-sdk" .
build -overlay "$work/overlay.json" -o "$work/without-sdk" .
if go version -m "$work/without-sdk" | grep -q aws-sdk-go; then
	echo "sdk-cost: the stand-in build still links the AWS SDK" >&2
	exit 1
fi

for b in with-sdk without-sdk; do
	init=$(GODEBUG=inittrace=1 "$work/$b" version 2>&1 >/dev/null |
		awk '$1 == "init" {ms += $5; bytes += $8; allocs += $10} END {printf "%.1f ms, %.0f KB in %d allocations", ms, bytes / 1000, allocs}')
	printf '%-12s %6.2f MB; package init at start: %s\n' "$b" "$(($(stat -c %s "$work/$b") / 10000))e-2" "$init"
done

for ((r = 1; r <= rounds; r++)); do
	for b in with-sdk without-sdk; do
		APP_TOKEN_BENCH_BINARY="$work/$b" go test -run '^$' -bench 'MainPhase/scoped$' -benchtime "${runs}x" . |
			awk -v b="$b" '/^BenchmarkMainPhase/ {for (i = 3; i < NF; i++) m[$(i + 1)] = $i; print b, m["ms/run"], m["cpu-ms/run"], m["mean-RSS-MiB"]}' >>"$work/figures"
	done
done
echo "medians of $rounds rounds of $runs runs (BenchmarkMainPhase/scoped, private key):"
for b in with-sdk without-sdk; do
	awk -v b="$b" '$1 == b' "$work/figures" | sort -k2 -n | awk -v n="$rounds" '{w[NR] = $2} END {printf "%-12s wall %s ms/run", $1, w[int((n + 1) / 2)]}'
	awk -v b="$b" '$1 == b' "$work/figures" | sort -k3 -n | awk -v n="$rounds" '{c[NR] = $3} END {printf ", CPU %s ms/run", c[int((n + 1) / 2)]}'
	awk -v b="$b" '$1 == b' "$work/figures" | sort -k4 -n | awk -v n="$rounds" '{m[NR] = $4} END {printf ", memory %s MiB\n", m[int((n + 1) / 2)]}'
done
