#!/usr/bin/env bash
# refresh.sh: rebuilds app-permissions.json from GitHub's OpenAPI description,
# as the npm package @octokit/openapi publishes it: components.schemas.
# app-permissions of api.github.com, GHEC and every GHES release the package
# holds, merged. A permission keeps the order in which it first appears, its
# first description, every level any platform accepts and the platforms
# that have it. Needs npm and jq.
#
# Usage: internal/permissions/refresh.sh [VERSION]
#   VERSION defaults to the one app-permissions.json names, which rebuilds it
#   unchanged. Then run `go generate ./...` so action.yml and the README follow.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="$here/app-permissions.json"
version=${1:-$(jq -r .source "$out" | sed -n 's|^npm package @octokit/openapi \([^:]*\):.*|\1|p')}
[[ -n "$version" ]] || { echo "refresh.sh: no version given and none in $out" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@octokit/openapi@$version" >/dev/null && tar -xzf octokit-openapi-*.tgz)
cd "$work/package/generated"

platforms=(api.github.com ghec)
while IFS= read -r f; do platforms+=("${f%.json}"); done < <(ls ghes-*.json | grep -v '\.deref\.json$' | sort -V)
files=()
for p in "${platforms[@]}"; do files+=("$p.json"); done

jq -n -j --indent 1 \
	--argjson platforms "$(printf '%s\n' "${platforms[@]}" | jq -R . | jq -sc .)" \
	--arg source "npm package @octokit/openapi $version: components.schemas.app-permissions of generated/{$(IFS=,; echo "${platforms[*]}")}.json" \
	'[inputs.components.schemas["app-permissions"].properties] as $tables
	| [range(0; $tables | length) as $i | $tables[$i] | to_entries[]
	   | {name: .key, platform: $platforms[$i], spec: .value}] as $rows
	| {
	    source: $source,
	    permissions: (reduce $rows[] as $r ({};
	      .[$r.name] |= if . == null
	        then {levels: $r.spec.enum, description: $r.spec.description, platforms: [$r.platform]}
	        else .levels += ($r.spec.enum - .levels) | .platforms += [$r.platform] end))
	  }' "${files[@]}" >"$out.new"
mv "$out.new" "$out"
echo "refresh.sh: wrote $out from @octokit/openapi $version; now run go generate ./..."
