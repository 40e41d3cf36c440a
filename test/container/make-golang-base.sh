#!/usr/bin/env bash
# make-golang-base.sh: makes the image the Dockerfile's build stage starts
# FROM (golang:1.26) out of this machine's own parts, because no registry
# can be pulled from here: busybox (Debian's busybox-static) for a shell,
# this machine's Go toolchain, and its CA bundle (extra CAs under
# /usr/local/share/ca-certificates included). The machine's Go settings
# (GOPROXY, GOSUMDB, GOFLAGS, ...) and proxy variables are baked in as ENV,
# read from `go env` and the environment at run time, so no registry or
# mirror host is written into the repository and the Dockerfile stays a
# plain one that builds unchanged against the real golang image.
#
# Idempotent: an existing image with the same fingerprint (Go version,
# settings, CA bundle) is kept; a real golang image (no fingerprint label)
# is never replaced. Usage: make-golang-base.sh [--force]
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_cmd podman go busybox sha256sum tar

force=false
[[ "${1:-}" == "--force" ]] && force=true

ref=$(build_base_ref)
goroot=$(go env GOROOT)
gover=$(go env GOVERSION)
want_minor=${ref##*:}
case "$gover" in
go"$want_minor" | go"$want_minor".*) ;;
*) log "warning: $ref is made from this machine's $gover" ;;
esac

ca_bundle=/etc/ssl/certs/ca-certificates.crt
[[ -s "$ca_bundle" ]] || die "no CA bundle at $ca_bundle"

# The settings baked in: Go's own (only those set) and proxy variables.
env_lines=("PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	"GOLANG_VERSION=${gover#go}" "GOPATH=/go" "GOTOOLCHAIN=local"
	"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt")
for name in GOPROXY GOSUMDB GOFLAGS GONOSUMDB GONOPROXY GOPRIVATE GOINSECURE; do
	value=$(go env "$name")
	[[ -n "$value" ]] && env_lines+=("$name=$value")
done
for name in HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
	[[ -n "${!name:-}" ]] && env_lines+=("$name=${!name}")
done

extra_cas=()
if [[ -d /usr/local/share/ca-certificates ]]; then
	while IFS= read -r -d '' f; do extra_cas+=("$f"); done \
		< <(find /usr/local/share/ca-certificates -type f -name '*.crt' -print0 | sort -z)
fi

fingerprint=$({
	printf '%s\n' "$gover" "${env_lines[@]}"
	cat "$ca_bundle" ${extra_cas[@]+"${extra_cas[@]}"}
} | sha256sum | cut -c1-16)
label=org.app-token.local-base

if podman image exists "$ref"; then
	have=$(podman image inspect --format "{{ index .Labels \"$label\" }}" "$ref" 2>/dev/null || true)
	if [[ -z "$have" || "$have" == "<no value>" ]]; then
		log "$ref exists and is not ours (a real golang image?); keeping it"
		exit 0
	fi
	if [[ "$have" == "$fingerprint" && "$force" == false ]]; then
		log "$ref is up to date ($fingerprint)"
		exit 0
	fi
	log "$ref is stale ($have != $fingerprint); remaking it"
fi

rootfs=$(mktemp -d /tmp/golang-base.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT

mkdir -p "$rootfs"/{bin,etc/ssl/certs,usr/local/share,tmp,root,go/bin,go/src}
chmod 1777 "$rootfs/tmp"
cp "$(command -v busybox)" "$rootfs/bin/busybox"
for applet in $(busybox --list); do
	[[ "$applet" == busybox ]] || ln -sf busybox "$rootfs/bin/$applet"
done
mkdir -p "$rootfs/usr/local/go"
cp -a "$goroot/." "$rootfs/usr/local/go/"
rm -rf "$rootfs/usr/local/go/test" # Go's own test suite: not needed to build

# The bundle plus any extra CA not yet in it (update-ca-certificates may not
# have run since one was dropped in).
cp "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
for f in ${extra_cas[@]+"${extra_cas[@]}"}; do
	grep -qF "$(sed -n 2p "$f")" "$ca_bundle" || cat "$f" >>"$rootfs/etc/ssl/certs/ca-certificates.crt"
done
if [[ -d /usr/local/share/ca-certificates ]]; then
	cp -a /usr/local/share/ca-certificates "$rootfs/usr/local/share/"
fi

printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"

changes=(--change "LABEL $label=$fingerprint" --change "WORKDIR /go" --change 'CMD ["/bin/sh"]')
for kv in "${env_lines[@]}"; do
	value=${kv#*=}
	value=${value//\\/\\\\}
	value=${value//\"/\\\"}
	changes+=(--change "ENV ${kv%%=*}=\"$value\"")
done

start=$SECONDS
tar -C "$rootfs" -cf - . | timeout 300 podman import -q "${changes[@]}" - "$ref" >/dev/null ||
	die "podman import of the local $ref failed"
size=$(podman image inspect --format '{{.Size}}' "$ref")
log "made $ref from $gover and busybox in $((SECONDS - start))s ($((size / 1024 / 1024)) MB, fingerprint $fingerprint)"
