#!/usr/bin/env bash
# run.sh: the container tests, from a fresh machine to a verdict. As root:
#   1. setup-host.sh       Debian packages (podman, runc, buildah, busybox,
#                          jq, curl) and /etc/containers/containers.conf
#   2. make-golang-base.sh the local golang:1.26 the Dockerfile starts FROM
#   3. install-act.sh      nektos/act, pinned, via go install
#   4. podman build        the action image; size and contents checked
#   5. runner-harness.sh   main then post exactly as the runner runs them
#   6. act-e2e.sh          .github/workflows/e2e.yml under act
#   7. release-e2e.sh      scripts/release.sh against a local registry, the
#                          index checked, the digest reproduced, the released
#                          action.yml under act (image pulled by digest), and
#                          bench-cold.sh's per-job cost figures
#   8. broker-kube.sh      podman kube play of the broker's Deployment (one
#                          replica) with an exchange through it
# Exits non-zero with a "FAIL:" line on the first failure. Prints the
# figures the README quotes (image size, build time, act run time).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here="$repo_root/test/container"

[[ $(id -u) -eq 0 ]] || die "run.sh needs root (apt-get and rootful podman)"
need_cmd go timeout
total_start=$SECONDS

bash "$here/setup-host.sh"
bash "$here/make-golang-base.sh"
act=$(bash "$here/install-act.sh")

# A first build on a fresh machine downloads the modules inside the build
# stage; the figure printed is that of this run. Docker's image format, as
# act's builds through the API use, so act reuses these layers.
log "building $action_image from $repo_root/Dockerfile"
build_start=$SECONDS
build_log=$(mktemp /tmp/app-token-build.XXXXXX)
# Build stages (ours and act's) leave untagged images that inherit the local
# base's label: the layer cache. Keep this run's as the next run's cache and
# remove older ones, so repeated runs do not fill the disk. Nothing else is
# touched.
run_started=$(date +%s)
cleanup() {
	rm -f "$build_log"
	podman image prune -f --filter label=org.app-token.local-base \
		--filter "until=$run_started" >/dev/null 2>&1 || true
}
trap cleanup EXIT
if ! timeout 900 podman build --pull=never --format docker -t "$action_image" "$repo_root" >"$build_log" 2>&1; then
	tail -40 "$build_log" >&2
	die "podman build of $repo_root/Dockerfile failed"
fi
build_time=$((SECONDS - build_start))
size=$(podman image inspect --format '{{.Size}}' "$action_image")
# 16 MB: the budget since the AWS SDK (kms-key, docs/keyless.md) joined the binary.
((size <= 16 * 1000 * 1000)) || die "image $action_image is $size bytes, over the 16 MB budget"

# Only the binary, its post-phase name and the CA bundle may be in the image
# (podman adds empty mount points for /etc/hosts, /etc/resolv.conf, ...).
cid=$(timeout 60 podman create "$action_image")
files=$(timeout 120 podman export "$cid" | tar -t | grep -v '/$' |
	grep -vxE 'etc/(hosts|hostname|resolv\.conf)|run/\.containerenv' | sort | paste -sd ' ')
podman rm "$cid" >/dev/null
want="app-token app-token-post etc/ssl/certs/ca-certificates.crt"
[[ "$files" == "$want" ]] || die "image holds '$files', want '$want'"
log "image: $action_image, $((size / 1000)) kB, built in ${build_time}s; holds only $want"

harness_start=$SECONDS
bash "$here/runner-harness.sh" "$action_image"
harness_time=$((SECONDS - harness_start))

act_start=$SECONDS
bash "$here/act-e2e.sh" "$act"
act_time=$((SECONDS - act_start))

release_start=$SECONDS
bash "$here/release-e2e.sh" "$act"
release_time=$((SECONDS - release_start))

# The broker's Deployment played by podman, one replica, an exchange
# through it (docs/broker.md, "Kubernetes").
kube_start=$SECONDS
bash "$here/broker-kube.sh"
kube_time=$((SECONDS - kube_start))

cat <<EOF
container tests: figures for the README
  image size:          $((size / 1000)) kB ($size bytes, uncompressed)
  image build time:    ${build_time} s (podman build, this run)
  runner harness time: ${harness_time} s
  act e2e run time:    ${act_time} s (both jobs, act building the image itself)
  release e2e time:    ${release_time} s (two releases, act with the release, the benchmark)
  broker kube play:    ${kube_time} s (the Deployment, one replica, an exchange through it)
  total:               $((SECONDS - total_start)) s
container-tests: 4 passed, 0 failed
EOF
