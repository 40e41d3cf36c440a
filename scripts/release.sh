#!/usr/bin/env bash
# release.sh: builds the action's image for linux/amd64 and linux/arm64,
# pushes both as one multi-arch index, and writes an action.yml whose
# runs.image pins that index by digest. .github/workflows/release.yml runs it
# against GHCR; test/container/release-e2e.sh runs it against a local
# registry, so both exercise the same code.
#
#   release.sh push REPOSITORY OUT_DIR
#       Builds and pushes REPOSITORY:TAG (TAG from $RELEASE_TAG, default
#       "latest"; the tag is only a label: consumers pin the digest) and
#       writes into OUT_DIR:
#         action.yml  the repository's action.yml with runs.image set to
#                     docker://REPOSITORY@sha256:DIGEST
#         image       REPOSITORY@sha256:DIGEST
#         digest      sha256:DIGEST, the index's digest
#   release.sh pin IMAGE@sha256:DIGEST OUT_FILE
#       Writes only the pinned action.yml (release.yml's publish job uses it
#       to make the release commit without rebuilding).
#   release.sh notes VERSION IMAGE@sha256:DIGEST SIGNER_REPOSITORY
#       Prints release notes: what the release holds and how to verify it.
#
# Builds run under podman without emulation: the Dockerfile's build stage
# runs on this machine's platform and Go cross-compiles (see the
# Dockerfile). --timestamp 0 and --no-cache make the digest a function of
# the inputs only: the same commit and base image give the same digest.
# Registry credentials come from `podman login`; a plain-HTTP registry
# needs an `insecure = true` entry in registries.conf (release-e2e.sh
# writes one for its loopback registry).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
platforms=(linux/amd64 linux/arm64)

log() { printf '[release %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
	printf '[release] FAIL: %s\n' "$*" >&2
	exit 1
}
usage() {
	sed -n '/^#   release.sh/,/^#$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# pin REF OUT: the repository's action.yml with runs.image replaced by
# docker://REF, and nothing else changed but one comment line.
pin() {
	local ref=$1 out=$2 src="$repo_root/action.yml" tmp
	[[ "$ref" =~ ^[a-z0-9][a-z0-9._:/-]*@sha256:[0-9a-f]{64}$ ]] ||
		die "'$ref' is not REPOSITORY@sha256:<64 hex>: runs.image must pin a digest, never a tag"
	[[ -f "$src" ]] || die "no $src"
	tmp=$(mktemp "${out}.XXXXXX")
	# Only the "image:" key directly under "runs:" changes.
	awk -v ref="docker://$ref" '
		/^[^ #]/ { in_runs = ($0 ~ /^runs:/) }
		in_runs && /^  image: / {
			print "  # Pinned by scripts/release.sh to the released multi-arch index; main keeps"
			print "  # image: Dockerfile, so uses: ./ and branch pins build from source."
			print "  image: " ref
			n++
			next
		}
		{ print }
		END { if (n != 1) exit 3 }
	' "$src" >"$tmp" || {
		rm -f "$tmp"
		die "$src has no single runs.image line to pin (expected '  image: Dockerfile' under runs:)"
	}
	grep -qxF "  image: docker://$ref" "$tmp" || die "pinned action.yml lacks the image line"
	# Exactly one line removed, three added: nothing else may differ.
	local changed
	changed=$(diff "$src" "$tmp" | grep -c '^[<>]' || true)
	[[ "$changed" == 4 ]] || die "pinning changed $changed lines of action.yml, want 4 (1 out, 3 in)"
	mv "$tmp" "$out"
	log "wrote $out (runs.image: docker://$ref)"
}

push() {
	local repository=$1 out=$2
	[[ "$repository" =~ ^[a-z0-9][a-z0-9._:-]*(/[a-z0-9][a-z0-9._-]*)+$ ]] ||
		die "'$repository' is not a lower-case REGISTRY/NAME without tag or digest (e.g. ghcr.io/owner/app-token)"
	command -v podman >/dev/null || die "podman is not installed (Debian/Ubuntu: apt-get install podman)"
	local tag=${RELEASE_TAG:-latest}
	[[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "RELEASE_TAG '$tag' is not a valid image tag"
	mkdir -p "$out"

	# The build stage runs here, natively. podman 4.3 sets $BUILDPLATFORM to
	# the target platform, so it is passed explicitly.
	local build_platform
	build_platform=$(podman info --format '{{.Host.OS}}/{{.Host.Arch}}') || die "podman info failed"
	local list="localhost/app-token-release:$tag-$$"
	podman manifest rm "$list" >/dev/null 2>&1 || true
	podman manifest create "$list" >/dev/null || die "podman manifest create $list failed"
	# Leave no local copies behind: a later pull of the release must not
	# find its layers already here.
	# shellcheck disable=SC2064 # expand $list now
	trap "podman manifest rm '$list' >/dev/null 2>&1 || true" EXIT

	local p start
	for p in "${platforms[@]}"; do
		start=$SECONDS
		log "building $p on $build_platform (no emulation)"
		timeout 1200 podman build --pull=missing --no-cache --timestamp 0 --format oci \
			--platform "$p" --build-arg "BUILDPLATFORM=$build_platform" \
			--manifest "$list" "$repo_root" >"$out/build-${p//\//-}.log" 2>&1 || {
			tail -30 "$out/build-${p//\//-}.log" >&2
			die "podman build for $p failed (full log: $out/build-${p//\//-}.log)"
		}
		log "built $p in $((SECONDS - start)) s"
	done

	# The list must hold exactly our platforms, each once.
	local have
	have=$(podman manifest inspect "$list" | jq -r '[.manifests[].platform | "\(.os)/\(.architecture)"] | sort | join(" ")')
	[[ "$have" == "$(printf '%s\n' "${platforms[@]}" | sort | paste -sd ' ')" ]] ||
		die "the local index holds '$have', want '${platforms[*]}'"

	start=$SECONDS
	log "pushing $repository:$tag"
	timeout 600 podman manifest push --all --format oci --digestfile "$out/digest" \
		"$list" "docker://$repository:$tag" >"$out/push.log" 2>&1 || {
		tail -20 "$out/push.log" >&2
		die "podman manifest push to $repository:$tag failed: logged in (podman login)? plain-HTTP registry listed as insecure in registries.conf?"
	}
	local digest
	digest=$(tr -d '[:space:]' <"$out/digest")
	[[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || die "podman wrote no digest (got '$digest')"
	printf '%s\n' "$digest" >"$out/digest"
	printf '%s@%s\n' "$repository" "$digest" >"$out/image"
	log "pushed $repository@$digest in $((SECONDS - start)) s"

	# Remove the per-platform images too (the manifest rm in the trap only
	# drops the list).
	local id
	for id in $(podman manifest inspect "$list" | jq -r '.manifests[].digest'); do
		podman images --format '{{.ID}} {{.Digest}}' | awk -v d="$id" '$2 == d { print $1 }' |
			xargs -r podman rmi -f >/dev/null 2>&1 || true
	done

	pin "$repository@$digest" "$out/action.yml"
}

notes() {
	local version=$1 ref=$2 signer=$3 pull
	# The pull's size as the docs quote it (docs/figures.json, measured by
	# go generate ./internal/docfigures).
	pull=$(jq -er '."image-pull".value' "$repo_root/docs/figures.json") || die "docs/figures.json has no image-pull figure"
	cat <<EOF
## app-token $version

The action's image is prebuilt for linux/amd64 and linux/arm64 and pinned
by digest in this release's \`action.yml\`, so a job pulls about $pull
instead of building the image:

\`\`\`
$ref
\`\`\`

### Use it

\`\`\`yaml
- uses: $signer@$version   # or, immutable: @<this release's commit SHA>
\`\`\`

### Verify the image

Signed with cosign keyless by this repository's release workflow:

\`\`\`sh
cosign verify $ref \\
  --certificate-identity 'https://github.com/$signer/.github/workflows/release.yml@refs/tags/release/$version' \\
  --certificate-oidc-issuer https://token.actions.githubusercontent.com
gh attestation verify oci://$ref --repo $signer
\`\`\`

### What this release contains

- a multi-arch OCI index (linux/amd64, linux/arm64) on GHCR, tagged
  \`$version\` but pinned by digest; each image holds only the static
  binary, its post-phase symlink and a CA bundle
- a cosign keyless signature of the index (Sigstore, recorded in Rekor)
- SLSA build provenance and an SPDX SBOM, attested and pushed to the registry
- the release commit: the tagged source with only \`action.yml\`'s
  \`runs.image\` changed to the digest; \`$version\` is tagged on it and
  \`${version%%.*}\` moved to it
EOF
}

case "${1:-}" in
push)
	[[ $# -eq 3 ]] || usage
	push "$2" "$3"
	;;
pin)
	[[ $# -eq 3 ]] || usage
	pin "$2" "$3"
	;;
notes)
	[[ $# -eq 4 ]] || usage
	notes "$2" "$3" "$4"
	;;
*) usage ;;
esac
