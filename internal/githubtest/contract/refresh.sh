#!/usr/bin/env bash
# refresh.sh: rewrites descriptions/*.json, the part of GitHub's REST API
# description that app-token calls, from the npm package @octokit/openapi:
# generated/<platform>.deref.json for api.github.com, GHEC and the newest
# GHES the package holds, reduced to the paths in descriptions/paths.txt
# (a path a platform lacks is simply absent from its file), with examples,
# x-github and externalDocs dropped to keep them small, plus
# components.schemas.app-permissions from generated/<platform>.json. The
# package's descriptions are already dereferenced, so no $ref remains. Needs
# npm and jq.
#
# Usage: internal/githubtest/contract/refresh.sh [VERSION]
#   VERSION defaults to the one the files name (info.x-source), which
#   rebuilds them unchanged; TestDescriptionsAreTheSubset checks their shape.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="$here/descriptions"
version=${1:-$(jq -r '.info["x-source"]' "$out/api.github.com.json" | sed -n 's|^@octokit/openapi \([^,]*\),.*|\1|p')}
[[ -n "$version" ]] || { echo "refresh.sh: no version given and none in $out/api.github.com.json" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@octokit/openapi@$version" >/dev/null && tar -xzf octokit-openapi-*.tgz)
gen="$work/package/generated"
newest_ghes=$(cd "$gen" && ls ghes-*.deref.json | sed 's/\.deref\.json$//' | sort -V | tail -1)
paths=$(grep -v '^#' "$out/paths.txt" | jq -R . | jq -sc .)

rm -f "$out"/*.json
for p in api.github.com ghec "$newest_ghes"; do
	jq -j --indent 1 --argjson paths "$paths" \
		--arg source "@octokit/openapi $version, generated/$p.deref.json: only the paths app-token calls (descriptions/paths.txt), dereferenced, examples dropped" \
		--slurpfile raw "$gen/$p.json" \
		'def strip: walk(if type == "object" then del(.examples, .example, .["x-github"], .externalDocs) else . end);
		{
		  openapi,
		  info: {title: .info.title, version: .info.version, "x-source": $source},
		  servers,
		  paths: (.paths | with_entries(select(.key as $k | $paths | index($k))) | strip),
		  components: {schemas: {"app-permissions": ($raw[0].components.schemas["app-permissions"] | strip)}}
		}' "$gen/$p.deref.json" >"$out/$p.json"
	echo >>"$out/$p.json"
done
echo "refresh.sh: wrote $(cd "$out" && ls ./*.json | tr '\n' ' ')from @octokit/openapi $version"
