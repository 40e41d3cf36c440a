#!/usr/bin/env bash
# release-e2e.sh: the release, proven on our machines. Starts a real OCI
# registry on 127.0.0.1 (Debian's docker-registry), then:
#   1. scripts/release.sh push: builds linux/amd64 and linux/arm64 and
#      pushes one index; its action.yml must pin runs.image by digest
#   2. the registry's index holds exactly linux/amd64 and linux/arm64, each
#      image's config says that platform, and each binary is an ELF of that
#      machine (x86-64, AArch64): cross-compiled, not mislabelled
#   3. scripts/release.sh push again, from scratch (--no-cache): the same
#      digest (reproducible build)
#   4. act-e2e.sh with the released action.yml and no Dockerfile beside it:
#      act must pull the image by digest (it is removed first) and both e2e
#      jobs must pass as with the source build
#   5. bench-cold.sh: per-job cost, Dockerfile against prebuilt (figures
#      only; set RELEASE_E2E_BENCH=0 to skip)
# Usage: release-e2e.sh ACT_BINARY
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here="$repo_root/test/container"

act=${1:?usage: release-e2e.sh ACT_BINARY}
need_cmd podman curl jq tar od git

work=$(mktemp -d /tmp/app-token-release.XXXXXX)
registry_pid=""
cleanup() {
	stop_registry
	if [[ -n "${KEEP_WORK:-}" ]]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

start_registry "$work/registry"
repository="$REGISTRY_ADDR/app-token"

# ---- 1. release
start=$SECONDS
RELEASE_TAG=e2e bash "$repo_root/scripts/release.sh" push "$repository" "$work/out1" ||
	die "scripts/release.sh push $repository failed"
release_time=$((SECONDS - start))
ref=$(cat "$work/out1/image")
digest=$(cat "$work/out1/digest")
[[ "$ref" == "$repository@$digest" ]] || die "release.sh wrote image '$ref', want $repository@$digest"
grep -qxF "  image: docker://$ref" "$work/out1/action.yml" ||
	die "the released action.yml does not pin runs.image to docker://$ref"
grep -qxF '  image: Dockerfile' "$work/out1/action.yml" && die "the released action.yml still builds from the Dockerfile"
grep -qxF '  image: Dockerfile' "$repo_root/action.yml" ||
	die "the repository's action.yml must keep image: Dockerfile (uses: ./ and branch pins build from source)"
log "released $ref in ${release_time}s"

# ---- 2. what the registry holds, fetched by digest
api="http://$REGISTRY_ADDR/v2/app-token"
index_types='application/vnd.oci.image.index.v1+json,application/vnd.docker.distribution.manifest.list.v2+json'
curl -fsS --max-time 30 -H "Accept: $index_types" "$api/manifests/$digest" -o "$work/index.json" ||
	die "the registry has no manifest $digest"
[[ "sha256:$(sha256sum <"$work/index.json" | cut -d' ' -f1)" == "$digest" ]] ||
	die "the index the registry serves does not hash to $digest"
platforms=$(jq -r '[.manifests[].platform | "\(.os)/\(.architecture)"] | sort | join(" ")' "$work/index.json")
[[ "$platforms" == "linux/amd64 linux/arm64" ]] || die "the index holds '$platforms', want 'linux/amd64 linux/arm64'"
declare -A elf_machine=([amd64]=3e00 [arm64]=b700) # e_machine, little-endian: EM_X86_64, EM_AARCH64
for arch in amd64 arm64; do
	m=$(jq -r --arg a "$arch" '.manifests[] | select(.platform.architecture == $a) | .digest' "$work/index.json")
	curl -fsS --max-time 30 -H 'Accept: application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json' \
		"$api/manifests/$m" -o "$work/$arch.json" || die "cannot fetch the $arch manifest $m"
	cfg=$(jq -r .config.digest "$work/$arch.json")
	curl -fsS --max-time 30 "$api/blobs/$cfg" -o "$work/$arch.config.json" || die "cannot fetch the $arch config"
	jq -e --arg a "$arch" '.architecture == $a and .os == "linux" and .config.Entrypoint == ["/app-token"]
		and ((.config.User // "") == "" or .config.User == "root" or .config.User == "0")' "$work/$arch.config.json" >/dev/null ||
		die "the $arch image config is not linux/$arch, entrypoint /app-token, user root: $(jq -c '{architecture, os, config}' "$work/$arch.config.json")"
	mkdir -p "$work/$arch.root"
	for layer in $(jq -r '.layers[].digest' "$work/$arch.json"); do
		curl -fsS --max-time 60 "$api/blobs/$layer" | tar -xzf - -C "$work/$arch.root" ||
			die "cannot unpack the $arch layer $layer"
	done
	files=$(cd "$work/$arch.root" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort | paste -sd ' ')
	[[ "$files" == "app-token app-token-post etc/ssl/certs/ca-certificates.crt" ]] ||
		die "the $arch image holds '$files'"
	machine=$(od -An -tx1 -j18 -N2 "$work/$arch.root/app-token" | tr -d ' \n')
	[[ "$machine" == "${elf_machine[$arch]}" ]] ||
		die "the $arch image's /app-token is an ELF for machine $machine, want ${elf_machine[$arch]}"
done
log "index $digest: linux/amd64 and linux/arm64, each with its own machine's binary, user root"

# ---- 3. same inputs, same digest
start=$SECONDS
RELEASE_TAG=e2e-again bash "$repo_root/scripts/release.sh" push "$repository" "$work/out2" ||
	die "the second scripts/release.sh push failed"
rebuild_time=$((SECONDS - start))
digest2=$(cat "$work/out2/digest")
[[ "$digest2" == "$digest" ]] ||
	die "rebuilding the same commit gave $digest2, first $digest: the image is not reproducible"
log "rebuilt from scratch in ${rebuild_time}s: same digest $digest"

# ---- 4. act runs the released action.yml, pulling the image by digest
act_dir="$work/act-repo"
mkdir -p "$act_dir/.github/workflows"
cp "$repo_root/.github/workflows/e2e.yml" "$act_dir/.github/workflows/"
cp "$work/out1/action.yml" "$act_dir/action.yml"
git -C "$act_dir" init -q
git -C "$act_dir" -c user.name=release-e2e -c user.email=release-e2e@localhost add -A
git -C "$act_dir" -c user.name=release-e2e -c user.email=release-e2e@localhost commit -qm "released action.yml"
podman rmi -f "$ref" >/dev/null 2>&1 || true
podman image exists "$ref" && die "could not remove the local $ref before the act run"
ACT_E2E_WORKDIR="$act_dir" ACT_E2E_PULLED_IMAGE="$ref" bash "$here/act-e2e.sh" "$act"
podman image exists "$ref" || die "after the act run no image $ref is here: act did not pull it by digest"
log "act e2e with the released action.yml: passed, image pulled by digest"

# ---- 5. figures
if [[ "${RELEASE_E2E_BENCH:-1}" != 0 ]]; then
	bash "$here/bench-cold.sh" "$ref"
fi

cat <<EOF
release e2e: figures
  release (2 platforms, build + push): ${release_time} s
  rebuild from scratch:                ${rebuild_time} s, same digest: yes
  index:                               $ref
release-e2e: 3 passed, 0 failed
EOF
