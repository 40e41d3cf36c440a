#!/usr/bin/env bash
# setup-host.sh: installs what the container tests need from Debian's
# packages (as root, idempotent) and configures podman for this machine
# kind: its cgroup layout needs runc with the cgroupfs manager, and root's
# open-file hard limit is 20000, below podman's default container ulimit.
# Package sources and proxies come from the machine's own apt configuration.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $(id -u) -eq 0 ]] || die "setup-host.sh must run as root (apt-get, rootful podman)"

packages=(podman runc buildah busybox-static catatonit containernetworking-plugins iptables jq curl ca-certificates docker-registry)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	timeout 600 apt-get update -q >/dev/null || die "apt-get update failed"
	timeout 900 apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
else
	log "packages already installed"
fi

conf=/etc/containers/containers.conf
marker="# written by app-token test/container/setup-host.sh"
want="$marker
[containers]
default_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]

[engine]
runtime = \"runc\"
cgroup_manager = \"cgroupfs\"
events_logger = \"file\"
exit_command_delay = 5"
if [[ ! -f "$conf" ]] || [[ "$(cat "$conf")" != "$want" ]]; then
	if [[ -f "$conf" ]] && ! grep -qF "$marker" "$conf" && [[ ! -f "$conf.orig" ]]; then
		cp "$conf" "$conf.orig"
		log "kept the previous $conf as $conf.orig"
	fi
	mkdir -p /etc/containers
	printf '%s\n' "$want" >"$conf"
	log "wrote $conf"
fi

timeout 60 podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}}' >/dev/null ||
	die "podman info fails after setup: $(podman info 2>&1 | tail -3)"
