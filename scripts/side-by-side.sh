#!/usr/bin/env bash
# The private-key path, side by side: BenchmarkMainPhase/scoped (private
# key, repositories + permissions) run on several builds under this tree's
# harness, rounds interleaved so that a busy machine slows all alike:
#   this tree           as shipped (static, -trimpath -s -w);
#   this tree, no SDK   the same with internal/awskms swapped for an
#                       SDK-free stand-in (go build -overlay; no file of the
#                       tree changes): what linking the AWS SDK for kms-key
#                       costs a run that never uses it;
#   each COMMIT given   that commit's shipped build, e.g. main before the
#                       SDK was linked, for "the private-key path loses no
#                       speed" (issue 17).
# Prints each build's size and its package initialisation at start
# (GODEBUG=inittrace=1), then the medians of wall time, CPU time and memory
# per run. docs/performance.md has the figures and how to read them.
#
#   scripts/side-by-side.sh [COMMIT...]     # ROUNDS=9 RUNS=30 by default
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-9} runs=${RUNS:-30}
work=$(mktemp -d)
trap 'git worktree remove --force "$work/tree" 2>/dev/null || true; rm -rf "$work"' EXIT

build() { CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -buildvcs=false -ldflags='-s -w -buildid=' "$@"; }
inputs() { grep -o '^  [a-z-]*:$' "$1" | tr -d ' :'; }

pkg=internal/awskms
{
	printf '{"Replace": {'
	for f in "$pkg"/*.go; do
		[[ $f == *_test.go ]] || printf '"%s": "", ' "$PWD/$f"
	done
	printf '"%s": "%s"}}\n' "$PWD/$pkg/stub.go" "$PWD/scripts/side-by-side/awskms.go.stub"
} >"$work/overlay.json"

names=("this-tree" "no-sdk")
build -o "$work/this-tree" .
build -overlay "$work/overlay.json" -o "$work/no-sdk" .
if go version -m "$work/no-sdk" | grep -q aws-sdk-go; then
	echo "side-by-side: the stand-in build still links the AWS SDK" >&2
	exit 1
fi
declare -A undeclared=()
for commit in "$@"; do
	name=$(git rev-parse --short "$commit^{commit}")
	git worktree add -q --detach "$work/tree" "$name"
	(cd "$work/tree" && build -o "$work/$name" .)
	# This tree's inputs that build does not declare: the harness leaves
	# them out for it, as a workflow written for it would.
	undeclared[$name]=$(inputs action.yml | grep -vxF -f <(inputs "$work/tree/action.yml") | paste -sd, || true)
	git worktree remove --force "$work/tree"
	names+=("$name")
done

for b in "${names[@]}"; do
	init=$(GODEBUG=inittrace=1 "$work/$b" version 2>&1 >/dev/null |
		awk '$1 == "init" {ms += $5; bytes += $8; allocs += $10} END {printf "%.1f ms, %.0f KB in %d allocations", ms, bytes / 1000, allocs}')
	printf '%-10s %6.2f MB; package init at start: %s\n' "$b" "$(stat -c %s "$work/$b" | awk '{print $1 / 1e6}')" "$init"
done

for ((r = 1; r <= rounds; r++)); do
	for b in "${names[@]}"; do
		APP_TOKEN_BENCH_BINARY="$work/$b" APP_TOKEN_BENCH_UNDECLARED="${undeclared[$b]:-}" \
			go test -run '^$' -bench 'MainPhase/scoped$' -benchtime "${runs}x" ./e2e |
			awk -v b="$b" '/^BenchmarkMainPhase/ {for (i = 3; i < NF; i++) m[$(i + 1)] = $i; print b, m["ms/run"], m["cpu-ms/run"], m["mean-RSS-MiB"], m["token-calls/run"]}' >>"$work/figures"
	done
done

median() { awk -v b="$1" '$1 == b {print $'"$2"'}' "$work/figures" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
echo "medians of $rounds rounds of $runs runs, BenchmarkMainPhase/scoped (private key):"
printf '%-10s %10s %10s %12s %12s\n' build wall-ms cpu-ms memory-MiB github-calls
for b in "${names[@]}"; do
	printf '%-10s %10s %10s %12s %12s\n' "$b" "$(median "$b" 2)" "$(median "$b" 3)" "$(median "$b" 4)" "$(median "$b" 5)"
done
