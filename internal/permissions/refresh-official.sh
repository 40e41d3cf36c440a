#!/usr/bin/env bash
# refresh-official.sh: refreshes official-action.yml, our copy of the inputs
# the official action (actions/create-github-app-token) declares. It is test
# data (a test fails when one of them is not an input here) and the second
# source of our permission-* inputs, next to GitHub's permission table.
#
# Usage: internal/permissions/refresh-official.sh ACTION_YML VERSION
#   ACTION_YML is a path to the official action.yml, or an https URL to it
#   (e.g. its raw file at a release tag); VERSION is recorded as given
#   (e.g. "v3.2.0"), so say where the copy came from. Only the inputs:
#   block is kept, verbatim. Then run `go generate ./...` so action.yml and
#   the README follow, and `go test ./...`.
#
# The machines this project is built on cannot reach GitHub: fetch the file
# elsewhere and pass its path.
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 ACTION_YML VERSION" >&2; exit 2; }
src=$1 version=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="$here/official-action.yml"

work=$(mktemp)
trap 'rm -f "$work"' EXIT
case "$src" in
https://*) curl -fsSL "$src" -o "$work" ;;
*) cp "$src" "$work" ;;
esac

inputs=$(awk '/^inputs:[[:space:]]*$/ {on=1; print; next} on && /^[^[:space:]#]/ {exit} on' "$work")
[[ -n "$inputs" ]] || { echo "$0: no inputs: block in $src" >&2; exit 1; }
grep -q '^  private-key:' <<<"$inputs" || { echo "$0: $src declares no private-key input; is it the official action.yml?" >&2; exit 1; }

{
	echo "# The inputs of the official action, actions/create-github-app-token."
	echo "# version: $version"
	echo "# Refreshed by internal/permissions/refresh-official.sh; do not edit by hand."
	echo "$inputs"
} >"$out.new"
mv "$out.new" "$out"
echo "wrote $out ($(grep -c '^  [a-z]' "$out") inputs, $version)"
