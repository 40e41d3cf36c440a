#!/usr/bin/env bash
# summary.sh LOG: sums, per platform, the lines contract.Main appends to
# LOG (one per test binary and platform) into the figures CI prints.
set -euo pipefail
log=${1:?usage: summary.sh LOG}
if [[ ! -s "$log" ]]; then
	echo "contract: no test binary reported (cached results write nothing: run with -count=1)"
	exit 0
fi
awk '{
	p = $2
	for (i = 3; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == "operations") {
			n = split(kv[2], ops, ",")
			for (j = 1; j <= n; j++) if (ops[j] != "") seen[p, ops[j]] = 1
		} else sum[p, kv[1]] += kv[2]
	}
	plats[p] = 1
}
END {
	for (p in plats) {
		nops = 0
		for (k in seen) { split(k, parts, SUBSEP); if (parts[1] == p) nops++ }
		printf "contract: %s: %d requests and %d answers held to the description, %d operations; %d answers 404 for an operation the platform lacks; skipped: %d answers not GitHub'"'"'s on purpose, %d requests off contract on purpose\n", \
			p, sum[p, "requests"], sum[p, "answers"], nops, sum[p, "absent"], sum[p, "unlike"], sum[p, "off"]
	}
}' "$log" | sort
