#!/usr/bin/env bash
# broker-kube.sh: `podman kube play` of deploy/kubernetes/deployment.yaml,
# the token broker, with an exchange through it against the GitHub
# emulator and its OIDC issuer. As root, after setup-host.sh:
#   bash test/container/broker-kube.sh
#
# What podman 4.3 can play, and so what this proves: ONE replica (it cannot
# publish one port for several), the Deployment's own pod spec (args, env,
# securityContext: non-root, read-only root filesystem, every capability
# dropped; the key a read-only file at the Secret's path), the image built from the
# Dockerfile. It skips PodDisruptionBudgets and HPAs and does not enforce
# readiness, so those are proven by TestKubernetesManifests only. The
# overlay changes only the Deployment: replicas 1, hostNetwork (the
# emulator on the host is then a loopback URL, the only plain http the
# broker takes; podman then refuses port mappings, so the ports go and the
# probes name the port by number), the local image, the emulator's client
# ID, the key (below), and the arguments --api-url, --issuer and --listen. Exits non-zero with a
# "FAIL:" line on the first failure.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $(id -u) -eq 0 ]] || die "broker-kube.sh needs root (rootful podman)"
need_cmd podman go curl jq sed awk

work=$(mktemp -d /tmp/app-token-broker-kube.XXXXXX)
emulator_pid=""
played=""
cleanup() {
	if [[ -n "$played" ]]; then
		timeout 60 podman kube down "$played" >/dev/null 2>&1 || true
	fi
	stop_pid "$emulator_pid" emulator
	rm -rf "$work"
}
trap cleanup EXIT

# The image of this tree, built as run.sh builds it (layers cached).
bash "$repo_root/test/container/make-golang-base.sh"
log "building $action_image"
timeout 900 podman build --pull=never --format docker -t "$action_image" "$repo_root" >"$work/build.log" 2>&1 ||
	{ tail -40 "$work/build.log" >&2; die "podman build failed"; }

# The policy the exchange is granted by: octo-org/app's "deploy". The
# issuer's port is chosen at start, so the policy names it by a pattern
# (anchored: it matches the whole issuer).
policy_dir="$work/files/octo-org/app/.github/chainguard"
mkdir -p "$policy_dir"
cat >"$policy_dir/deploy.sts.yaml" <<'YAML'
issuer_pattern: http://127\.0\.0\.1:[0-9]+/_services/token
subject: repo:octo-org/app:ref:refs/heads/main
permissions:
  contents: write
  pull_requests: write
YAML
start_emulator "$work/emu" -files "$work/files"

port=$(shuf -i 30000-39999 -n 1)
audience=https://broker.example.com
# The key, where the Secret would put it. Podman 4.3's kube play crashes on
# a secret volume (nil pointer in VolumeFromSecret), so the overlay mounts
# this directory instead, read-only, at the same path.
mkdir -p "$work/key"
cp "$EMULATOR_KEY_FILE" "$work/key/private-key.pem"
chmod 0755 "$work/key"
chmod 0444 "$work/key/private-key.pem"
deploy="$repo_root/deploy/kubernetes/deployment.yaml"
played="$work/broker.yaml"
# The overlay: each edit must apply, or the Deployment changed under it.
sed -e 's/^  replicas: 2$/  replicas: 1/' \
	-e 's|^\(      automountServiceAccountToken: false\)$|\1\n      hostNetwork: true|' \
	-e "s|^          image: app-token:latest$|          image: $action_image|" \
	-e "s|^            - --audience=https://broker.example.com$|            - --audience=$audience\n            - --api-url=$EMULATOR_URL\n            - --issuer=$EMULATOR_OIDC_ISSUER\n            - --listen=127.0.0.1:$port|" \
	-e "s|^              value: Iv23liEXAMPLE0000000$|              value: $EMULATOR_CLIENT_ID|" \
	-e "s|^              port: http$|              port: $port|" \
	"$deploy" |
	awk -v dir="$work/key" '
		/^          secret:$/ { skip = 1; print "          hostPath:"; print "            path: " dir; print "            type: Directory"; next }
		skip && /^                path: private-key.pem$/ { skip = 0; next }
		/^          ports:$/ { ports = 1; next }
		ports && /^              protocol: TCP$/ { ports = 0; next }
		!skip && !ports' >"$work/deployment.yaml"
for want in 'replicas: 1' 'hostNetwork: true' "image: $action_image" "--issuer=$EMULATOR_OIDC_ISSUER" "value: $EMULATOR_CLIENT_ID" "path: $work/key"; do
	grep -qF -- "$want" "$work/deployment.yaml" || die "the overlay did not apply ($want): has $deploy changed?"
done
cp "$work/deployment.yaml" "$played"

log "podman kube play (one replica, listening on 127.0.0.1:$port)"
timeout 120 podman kube play "$played" >"$work/play.log" 2>&1 || { cat "$work/play.log" >&2; die "podman kube play failed"; }
wait_for 60 "the broker's /healthz" curl -fsS --max-time 2 "http://127.0.0.1:$port/healthz"

# An exchange with a GitHub Actions job's token for octo-org/app's main.
oidc=$(curl -fsS --max-time 10 -X POST -H 'Content-Type: application/json' \
	-d "{\"audience\": \"$audience\", \"args\": [\"octo-org/app\"]}" "$EMULATOR_OIDC_MINT_URL" | jq -r .token)
[[ -n "$oidc" && "$oidc" != null ]] || die "the emulator minted no OIDC token"
answer=$(curl -sS --max-time 30 -H "Authorization: Bearer $oidc" \
	"http://127.0.0.1:$port/sts/exchange?scope=octo-org/app&identity=deploy")
token=$(jq -r .token <<<"$answer")
[[ "$token" == ghs_* ]] || die "the exchange gave no token: $(jq -c 'del(.token)' <<<"$answer" 2>/dev/null || echo "(not JSON)")"
sum=$(sha256_of "$token")
grant=$(emulator_state | jq -c --arg s "$sum" '.tokens[] | select(.sha256 == $s) | {repositories, permissions}')
want='{"repositories":["app"],"permissions":{"contents":"write","pull_requests":"write"}}'
[[ "$grant" == "$want" ]] || die "the emulator minted $grant, want exactly the policy's grant $want"
# A refused one: the job of another repository.
other=$(curl -fsS --max-time 10 -X POST -H 'Content-Type: application/json' \
	-d "{\"audience\": \"$audience\", \"args\": [\"octo-org/infra\"]}" "$EMULATOR_OIDC_MINT_URL" | jq -r .token)
status=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $other" \
	"http://127.0.0.1:$port/sts/exchange?scope=octo-org/app&identity=deploy")
[[ "$status" == 403 ]] || die "another repository's job got $status, want 403"

# The pod's output: one audit line per exchange, and no credential.
logs=$(podman pod logs "$(podman pod ps -q --filter name=app-token-broker | head -1)" 2>&1)
audits=$(grep -c '"event":"exchange"' <<<"$logs" || true)
[[ "$audits" == 2 ]] || die "$audits audit lines, want 2"
for secret in "$token" "$oidc" "$other" "$(sed -n 2p "$EMULATOR_KEY_FILE")"; do
	if grep -qF -- "${secret:10:24}" <<<"$logs"; then
		die "the broker's output holds a credential"
	fi
done
log "PASS: podman kube play of the Deployment (one replica): exchange granted exactly the policy's grant, another job refused 403, two audit lines, no credential in the pod's output"
