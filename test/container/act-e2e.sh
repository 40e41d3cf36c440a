#!/usr/bin/env bash
# act-e2e.sh: runs .github/workflows/e2e.yml with nektos/act against podman's
# Docker-compatible API and the project's GitHub API emulator, and checks
# what a person would look for in the run's log and on "GitHub":
#   job mint:   the action (uses: ./, built from the Dockerfile by act) mints
#               a token for octo-org/app+infra with contents+issues: write; a
#               later step dispatches to octo-org/app with it (recorded by the
#               emulator) and is refused for octo-org/docs; outputs are right;
#               the token shows nowhere in the log, only ***; post runs.
#   job refuse: asking for a repository the installation cannot reach ends
#               the job with the action's ::error:: line; post still runs.
# act passes no saved state to a container action's post phase, so here post
# has nothing to revoke; runner-harness.sh covers that handoff.
#
# Usage: act-e2e.sh ACT_BINARY
# Prints "act run time: N s" lines for the README.
#
# With ACT_E2E_WORKDIR=DIR, act runs in DIR instead of the repository (DIR
# holds .github/workflows/e2e.yml and an action.yml, e.g. a released one).
# With ACT_E2E_PULLED_IMAGE=REPOSITORY@sha256:..., the mint job's log must
# show act pulling exactly that reference and building no image: the proof
# that a released action.yml is used by digest (release-e2e.sh sets both).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

act=${1:?usage: act-e2e.sh ACT_BINARY}
need_cmd podman go curl jq sha256sum
job_image=$(build_base_ref) # busybox + Go: enough for the workflow's sh steps
podman image exists "$job_image" || die "job image $job_image missing; run make-golang-base.sh"

act_workdir=${ACT_E2E_WORKDIR:-$repo_root}
pulled_image=${ACT_E2E_PULLED_IMAGE:-}
[[ -f "$act_workdir/action.yml" && -f "$act_workdir/.github/workflows/e2e.yml" ]] ||
	die "$act_workdir lacks action.yml or .github/workflows/e2e.yml"

work=$(mktemp -d /tmp/app-token-act.XXXXXX)
emulator_pid="" service_pid=""
cleanup() {
	# Job containers act could not remove itself (say, after a timeout).
	local c
	for c in $(podman ps -a --format '{{.Names}}' 2>/dev/null | grep '^act-e2e-' || true); do
		podman rm -f -t 5 "$c" >/dev/null 2>&1 || true
	done
	stop_pid "$service_pid" "podman system service"
	stop_pid "$emulator_pid" emulator
	if [[ -n "${KEEP_WORK:-}" ]]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

sock="$work/podman.sock"
podman system service --time=0 "unix://$sock" >"$work/podman-service.log" 2>&1 &
service_pid=$!
wait_for 30 "podman system service on $sock" curl -fsS --max-time 2 --unix-socket "$sock" http://d/_ping
export DOCKER_HOST="unix://$sock"
log "podman system service up on $sock (pid $service_pid)"

start_emulator "$work/emulator"
APP_TOKEN_E2E_PRIVATE_KEY=$(cat "$EMULATOR_KEY_FILE")
export APP_TOKEN_E2E_PRIVATE_KEY

# run_act JOB: runs one job of e2e.yml; leaves its log in $work/JOB.log and
# its exit status in act_status.
run_act() {
	local job=$1 start=$SECONDS
	set +e
	(cd "$act_workdir" && timeout 900 "$act" workflow_dispatch \
		-W .github/workflows/e2e.yml -j "$job" \
		-P "ubuntu-latest=$job_image" --pull=false --no-cache-server \
		--container-daemon-socket - \
		--var "APP_TOKEN_E2E_API_URL=$EMULATOR_URL" --var "APP_TOKEN_E2E_APP_ID=$EMULATOR_APP_ID" \
		-s APP_TOKEN_E2E_PRIVATE_KEY) </dev/null >"$work/$job.log" 2>&1
	act_status=$?
	set -e
	[[ $act_status -ne 124 ]] || { tail -40 "$work/$job.log" >&2; die "act timed out after 900s on job $job"; }
	log "act run time: job $job: $((SECONDS - start)) s (exit $act_status)"
}

fail_log() {
	sed 's/^/    /' "$1" >&2
	die "$2"
}

# assert_no_token_in LOG: no word of the log is any token the emulator
# issued (compared by sha256, so the check needs no token in hand).
assert_no_token_in() {
	local log_file=$1 w
	local -A issued=()
	while IFS= read -r w; do issued[$w]=1; done < <(emulator_state | jq -r '.tokens[].sha256')
	while IFS= read -r w; do
		[[ -z "${issued[$(sha256_of "$w")]:-}" ]] || die "a token issued by the emulator appears in $log_file"
	done < <(grep -oE '[A-Za-z0-9_.+/=-]{20,}' "$log_file" | sort -u)
}

# assert_post_ran LOG STEP_NAME
assert_post_ran() {
	grep -qF "Run Post $2" "$1" || fail_log "$1" "the post phase of '$2' did not run"
	grep -qF "Success - Post $2" "$1" || fail_log "$1" "the post phase of '$2' did not succeed"
}

# ---- job mint
run_act mint
log_file="$work/mint.log"
[[ $act_status -eq 0 ]] || fail_log "$log_file" "act failed the mint job (exit $act_status)"
grep -qF 'Job succeeded' "$log_file" || fail_log "$log_file" "act did not report the mint job as succeeded"
grep -qF 'token as the log shows it: ***' "$log_file" ||
	fail_log "$log_file" "the log does not show the token masked as ***"
sha=$(sed -n 's/.*token sha256: \([0-9a-f]\{64\}\).*/\1/p' "$log_file" | head -1)
[[ -n "$sha" ]] || fail_log "$log_file" "the check step printed no token sha256"
record=$(emulator_state | jq -c --arg s "$sha" '.tokens[] | select(.sha256 == $s)')
[[ -n "$record" ]] || die "the token the workflow saw was not issued by the emulator"
jq -e '.installation_id == 1001 and (.repositories | sort) == ["app", "infra"]
	and .permissions.contents == "write" and .permissions.issues == "write"' <<<"$record" >/dev/null ||
	die "the workflow's token is not what e2e.yml asked for: $record"
emulator_state | jq -e '[.dispatches[] | select(.kind == "repository_dispatch" and .owner == "octo-org"
	and .repo == "app" and .event_type == "app-token-e2e")] | length == 1' >/dev/null ||
	die "the emulator did not record the workflow's dispatch to octo-org/app: $(emulator_state | jq -c .dispatches)"
emulator_state | jq -e '[.dispatches[] | select(.repo == "docs")] | length == 0' >/dev/null ||
	die "a dispatch to octo-org/docs was accepted"
assert_post_ran "$log_file" "Mint a token for octo-org/app and octo-org/infra"
if [[ -n "$pulled_image" ]]; then
	grep -qF "docker pull image=$pulled_image " "$log_file" ||
		fail_log "$log_file" "act did not pull $pulled_image (is action.yml's runs.image docker://$pulled_image?)"
	if grep -qF 'docker build -t' "$log_file"; then
		fail_log "$log_file" "act built an image although action.yml names a prebuilt one"
	fi
	log "mint job: act pulled the action's image by digest ($pulled_image) and built none"
fi
assert_no_token_in "$log_file"
log "mint job: token scoped as asked, dispatch recorded, outputs right, token masked, post ran" \
	"(revoked under act: $(jq .revoked <<<"$record"); act hands post no state)"

# ---- job refuse
tokens_before=$(emulator_state | jq '.tokens | length')
run_act refuse
log_file="$work/refuse.log"
[[ $act_status -ne 0 ]] || fail_log "$log_file" "act passed the refuse job, which must fail"
grep -qF 'Job failed' "$log_file" || fail_log "$log_file" "act did not report the refuse job as failed"
errors=$(grep -cF '::error::' "$log_file" || true)
[[ "$errors" == 1 ]] || fail_log "$log_file" "the failing job's log has $errors ::error:: lines, want the action's one"
error_line=$(grep -F '::error::' "$log_file")
if grep -qF 'Run Main Never reached' "$log_file"; then
	fail_log "$log_file" "the step after the failed action ran"
fi
assert_post_ran "$log_file" "Ask for a repository the installation cannot reach"
[[ "$(emulator_state | jq '.tokens | length')" == "$tokens_before" ]] || die "a token was minted for the refused request"
assert_no_token_in "$log_file"
log "refuse job: failed with: ${error_line#*| }"

log "act e2e: all checks passed"
