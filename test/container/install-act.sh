#!/usr/bin/env bash
# install-act.sh: installs nektos/act, the local GitHub Actions runner, at a
# pinned version through the Go module proxy (v0.2.89 is the newest the proxy
# serves; a pin keeps CI from changing under us). Prints the binary's path.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

act_version=v0.2.89
bin_dir="${APP_TOKEN_TOOLS_DIR:-$(go env GOPATH)/bin}"
act="$bin_dir/act"

if [[ -x "$act" ]] && [[ "$("$act" --version 2>/dev/null)" == "act version ${act_version#v}" ]]; then
	log "act ${act_version} already installed at $act"
else
	log "installing github.com/nektos/act@${act_version} (about a minute the first time)"
	mkdir -p "$bin_dir"
	GOBIN="$bin_dir" timeout 900 go install "github.com/nektos/act@${act_version}" ||
		die "go install github.com/nektos/act@${act_version} failed"
	[[ "$("$act" --version)" == "act version ${act_version#v}" ]] || die "installed act reports '$("$act" --version)'"
fi
printf '%s\n' "$act"
