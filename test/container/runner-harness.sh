#!/usr/bin/env bash
# runner-harness.sh: runs the built action image the way the GitHub Actions
# runner does (actions/runner ContainerActionHandler + DockerCommandManager),
# against the project's GitHub API emulator, and checks the main -> post
# handoff that act cannot show: act passes no saved state to a container
# action's post phase.
#
# Faithful to the runner: one new container per phase, `--entrypoint` from
# action.yml (runs.entrypoint, then runs.post-entrypoint), `--workdir
# /github/workspace`, `--rm`, the mounts /github/home, /github/workflow,
# /github/file_commands and /github/workspace, fresh file command files per
# step named as the runner names them, every input declared in action.yml as
# INPUT_<NAME> (hyphens kept, defaults evaluated) passed as `-e NAME` with the
# value in podman's environment, the GITHUB_* variables, and the main phase's
# saved state as STATE_<name> for post. Differences, all deliberate:
# `--network host` (the emulator listens on loopback), no
# /var/run/docker.sock mount (no Docker engine here), github.api_url is
# the emulator, and the emulator also plays the runner's OIDC token endpoint
# and AWS STS (local-kms plays KMS).
#
# Usage: runner-harness.sh [IMAGE]   (default localhost/app-token:e2e)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

image=${1:-$action_image}
need_cmd podman go curl jq sha256sum openssl
[[ -f "$repo_root/action.yml" ]] || die "no action.yml in $repo_root"
podman image exists "$image" || die "image $image not found; build it first (run.sh does)"

work=$(mktemp -d /tmp/app-token-harness.XXXXXX)
emulator_pid=""
kms_pid=""
cleanup() {
	# Containers of ours that --rm could not remove (say, after a timeout).
	podman ps -aq --filter label=app-token-harness 2>/dev/null | xargs -r podman rm -f -t 5 >/dev/null 2>&1 || true
	stop_pid "$emulator_pid" emulator
	stop_pid "$kms_pid" local-kms
	if [[ -n "${KEEP_WORK:-}" ]]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

start_emulator "$work/emulator"
(cd "$repo_root/test/container" && timeout 600 go build -o "$work/actionenv" ./actionenv) || die "could not build actionenv"
actionenv="$work/actionenv"

# Entrypoints as action.yml declares them: runs.entrypoint (else the image's
# ENTRYPOINT) for main, runs.post-entrypoint for post.
"$actionenv" runs -action "$repo_root/action.yml" >"$work/runs" || die "could not read runs: from action.yml"
declare -A runs=()
while IFS= read -r -d '' rec; do runs[${rec%%=*}]=${rec#*=}; done <"$work/runs"
[[ "${runs[using]:-}" == docker ]] || die "action.yml runs.using is '${runs[using]:-}', want docker"
for k in args pre-entrypoint; do
	[[ -z "${runs[$k]+set}" ]] || die "action.yml sets runs.$k, which this harness does not pass on yet"
done
main_entrypoint=${runs[entrypoint]:-}
post_entrypoint=${runs[post-entrypoint]:-}
[[ -n "$post_entrypoint" ]] || die "action.yml declares no runs.post-entrypoint: there is no post phase to test"

# The job's folders on the "runner host", as the runner lays them out.
job="$work/job"
mkdir -p "$job/workspace" "$job/_temp/_github_home" "$job/_temp/_github_workflow" "$job/_temp/_runner_file_commands"
printf '{}\n' >"$job/_temp/_github_workflow/event.json"
step_no=0

# run_phase NAME ENTRYPOINT INPUTS_FILE [STATE_FILE]: one step as the runner
# runs it; an empty ENTRYPOINT keeps the image's. Leaves the step's files in $step_dir: stdout, stderr, exit, and
# the file command files output, state, env, path, summary.
run_phase() {
	local name=$1 entrypoint=$2 inputs=$3 state=${4:-}
	step_no=$((step_no + 1))
	step_dir="$work/steps/$step_no-$name"
	mkdir -p "$step_dir"
	local id fc="$job/_temp/_runner_file_commands"
	id=$(cat /proc/sys/kernel/random/uuid)
	local -A files=([output]="set_output_$id" [state]="save_state_$id" [env]="set_env_$id" [path]="add_path_$id" [summary]="step_summary_$id")
	local k
	for k in "${!files[@]}"; do : >"$fc/${files[$k]}"; done

	printf '%s\0' \
		"GITHUB_OUTPUT=/github/file_commands/${files[output]}" \
		"GITHUB_STATE=/github/file_commands/${files[state]}" \
		"GITHUB_ENV=/github/file_commands/${files[env]}" \
		"GITHUB_PATH=/github/file_commands/${files[path]}" \
		"GITHUB_STEP_SUMMARY=/github/file_commands/${files[summary]}" \
		"HOME=/github/home" \
		"GITHUB_WORKSPACE=/github/workspace" \
		"GITHUB_EVENT_PATH=/github/workflow/event.json" \
		"GITHUB_EVENT_NAME=workflow_dispatch" \
		"GITHUB_API_URL=$EMULATOR_URL" \
		"GITHUB_SERVER_URL=$EMULATOR_URL" \
		"GITHUB_GRAPHQL_URL=$EMULATOR_URL/graphql" \
		"GITHUB_REPOSITORY=octo-org/app" \
		"GITHUB_REPOSITORY_OWNER=octo-org" \
		"GITHUB_REPOSITORY_ID=1" \
		"GITHUB_WORKFLOW=harness" \
		"GITHUB_JOB=harness" \
		"GITHUB_ACTION=$name" \
		"GITHUB_ACTION_PATH=" \
		"GITHUB_ACTOR=octocat" \
		"GITHUB_RUN_ID=1" \
		"GITHUB_RUN_NUMBER=1" \
		"GITHUB_RUN_ATTEMPT=1" \
		"GITHUB_REF=refs/heads/main" \
		"GITHUB_SHA=0000000000000000000000000000000000000000" \
		"RUNNER_OS=Linux" \
		"RUNNER_ARCH=X64" \
		"RUNNER_NAME=app-token-harness" \
		"RUNNER_TEMP=/home/runner/work/_temp" \
		"RUNNER_TOOL_CACHE=/opt/hostedtoolcache" >"$step_dir/github.env"
	local envfiles=(-env "$inputs" -env "$step_dir/github.env")
	[[ -n "$state" ]] && envfiles+=(-env "$state")

	# -e NAME for every record, values only in podman's environment.
	local opts=(--name "app-token-harness-$step_no-$name-${id:0:6}" --label app-token-harness
		--workdir /github/workspace --rm)
	local f rec
	for f in "$inputs" "$step_dir/github.env" ${state:+"$state"}; do
		while IFS= read -r -d '' rec; do opts+=(-e "${rec%%=*}"); done <"$f"
	done
	opts+=(-e GITHUB_ACTIONS=true -e CI=true)
	[[ -z "$entrypoint" ]] || opts+=(--entrypoint "$entrypoint")
	opts+=(--network host
		-v "$job/_temp/_github_home:/github/home"
		-v "$job/_temp/_github_workflow:/github/workflow"
		-v "$fc:/github/file_commands"
		-v "$job/workspace:/github/workspace")

	set +e
	timeout 120 "$actionenv" exec "${envfiles[@]}" -- podman run "${opts[@]}" "$image" \
		>"$step_dir/stdout" 2>"$step_dir/stderr"
	echo $? >"$step_dir/exit"
	set -e
	for k in "${!files[@]}"; do cp "$fc/${files[$k]}" "$step_dir/$k"; done
	log "step $name (${entrypoint:-image entrypoint}) exited $(cat "$step_dir/exit")"
}

# The step's log as a runner would show it: both streams, minus the
# ::add-mask:: commands the runner consumes instead of printing.
shown_log() { cat "$1/stdout" "$1/stderr" | grep -v '^::add-mask::' || true; }

show_step() {
	log "---- $(basename "$1"): stdout, stderr (secrets redacted by the runner's masks) ----"
	shown_log "$1" | sed "s/${secret_sed:-^\$}/***/g" | sed 's/^/    /' >&2
}

fail_step() {
	show_step "$1"
	die "$2"
}

# assert_hidden STEP_DIR WHAT VALUE: VALUE must not show in the step's log,
# summary or env files; and where the raw stdout holds it at all, only as
# the ::add-mask:: command that hides it.
assert_hidden() {
	local dir=$1 what=$2 value=$3
	if cat "$dir/stdout" "$dir/stderr" | grep -vxF -f <(printf '::add-mask::%s\n' "$value") |
		grep -qF -f <(printf '%s\n' "$value"); then
		fail_step "$dir" "$what appears in the log of $(basename "$dir")"
	fi
	if grep -qF -f <(printf '%s\n' "$value") "$dir/summary" "$dir/env" "$dir/path"; then
		fail_step "$dir" "$what appears in the step summary, env or path file of $(basename "$dir")"
	fi
}

# assert_key_hidden STEP_DIR: no line of the private key's body shows.
assert_key_hidden() {
	if cat "$1/stdout" "$1/stderr" "$1/summary" "$1/output" "$1/state" |
		grep -qF -f <(grep -v -- '-----' "$EMULATOR_KEY_FILE" | awk 'length >= 16'); then
		fail_step "$1" "the private key appears in the output of $(basename "$1")"
	fi
}

# assert_nowhere STEP_DIR WHAT VALUE: as assert_hidden, and not in the
# step's outputs or saved state either: for a credential the step only uses.
assert_nowhere() {
	[[ -n "$3" && "$3" != null ]] || die "no value for $2 to look for"
	assert_hidden "$@"
	if grep -qF -f <(printf '%s\n' "$3") "$1/output" "$1/state"; then
		fail_step "$1" "$2 appears in the outputs or saved state of $(basename "$1")"
	fi
}

expect_exit() {
	local dir=$1 want=$2
	[[ "$(cat "$dir/exit")" == "$want" ]] || fail_step "$dir" "$(basename "$dir") exited $(cat "$dir/exit"), want $want"
}

token_record() { emulator_state | jq -c --arg s "$1" '.tokens[] | select(.sha256 == $s)'; }

# dispatch TOKEN REPO: prints the HTTP status of a repository_dispatch.
dispatch() {
	curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -X POST \
		-H @<(printf 'Authorization: Bearer %s\n' "$1") -H 'Content-Type: application/json' \
		-d '{"event_type":"app-token-harness"}' "$EMULATOR_URL/repos/octo-org/$2/dispatches"
}

inputs_for() { "$actionenv" inputs -action "$repo_root/action.yml" -context "github.api_url=$EMULATOR_URL" "$@"; }

# ---- 1. main mints a token scoped to two repositories and two permissions
inputs_for -with "app-id=$EMULATOR_APP_ID" -with-file "private-key=$EMULATOR_KEY_FILE" \
	-with owner=octo-org -with $'repositories=app\ninfra' \
	-with permission-contents=write -with permission-issues=write >"$work/mint.inputs" ||
	die "could not compute the inputs from action.yml"
run_phase main "$main_entrypoint" "$work/mint.inputs"
main_dir=$step_dir
expect_exit "$main_dir" 0

token=$("$actionenv" get -file "$main_dir/output" -name token) || fail_step "$main_dir" "main set no token output"
[[ -n "$token" ]] || fail_step "$main_dir" "main's token output is empty"
secret_sed=$(printf '%s' "$token" | sed 's/[][\.*^$/]/\\&/g')
sha=$(sha256_of "$token")
assert_hidden "$main_dir" "the token" "$token"
assert_key_hidden "$main_dir"
grep -qxF -f <(printf '::add-mask::%s\n' "$token") "$main_dir/stdout" ||
	fail_step "$main_dir" "main never sent ::add-mask:: for the token"

out() { "$actionenv" get -file "$main_dir/output" -name "$1" || true; }
[[ "$(out installation-id)" == 1001 ]] || fail_step "$main_dir" "installation-id output is '$(out installation-id)', want 1001"
[[ "$(out app-slug)" == release-bot ]] || fail_step "$main_dir" "app-slug output is '$(out app-slug)', want release-bot"
[[ -n "$(out expires-at)" ]] || fail_step "$main_dir" "expires-at output is empty"
[[ "$(out git-user-name)" == 'release-bot[bot]' ]] || fail_step "$main_dir" "git-user-name output is '$(out git-user-name)'"
out permissions | jq -e '.contents == "write" and .issues == "write"' >/dev/null ||
	fail_step "$main_dir" "permissions output '$(out permissions)' lacks contents/issues: write"
saved=$("$actionenv" get -file "$main_dir/state" -name token) || fail_step "$main_dir" "main saved no token state"
[[ "$saved" == "$token" ]] || fail_step "$main_dir" "the saved token state differs from the token output"

record=$(token_record "$sha")
[[ -n "$record" ]] || die "the emulator issued no token with the output's sha256"
jq -e '.installation_id == 1001 and (.repositories | sort) == ["app", "infra"]
	and .permissions.contents == "write" and .permissions.issues == "write"
	and (.permissions | del(.metadata) | keys) == ["contents", "issues"] and .revoked == false' \
	<<<"$record" >/dev/null || die "the minted token is not what was asked for: $record"
log "main: token for octo-org/{app,infra} with contents+issues: write; outputs and state set; token masked"

# The token works where it is scoped, and only there.
code=$(dispatch "$token" app)
[[ "$code" == 204 ]] || die "repository_dispatch to octo-org/app with the token answered $code, want 204"
code=$(dispatch "$token" docs)
[[ "$code" =~ ^(403|404|422)$ ]] || die "repository_dispatch to octo-org/docs (outside the token's scope) answered $code, want a refusal"
emulator_state | jq -e '[.dispatches[] | select(.repo == "app" and .event_type == "app-token-harness")] | length == 1' >/dev/null ||
	die "the emulator did not record exactly one dispatch to octo-org/app: $(emulator_state | jq -c .dispatches)"

# ---- 2. post gets the saved state as STATE_<name> and revokes the token
"$actionenv" filecmd -file "$main_dir/state" -prefix STATE_ >"$work/post.state"
run_phase post "$post_entrypoint" "$work/mint.inputs" "$work/post.state"
post_dir=$step_dir
expect_exit "$post_dir" 0
assert_hidden "$post_dir" "the token" "$token"
assert_key_hidden "$post_dir"
token_record "$sha" | jq -e '.revoked == true' >/dev/null ||
	fail_step "$post_dir" "post exited 0 but the emulator shows the token not revoked: $(token_record "$sha")"
code=$(dispatch "$token" app)
[[ "$code" == 401 ]] || die "the revoked token still answers $code, want 401"
log "post: received STATE_token, revoked the token; GitHub (the emulator) now answers 401 for it"

# ---- 3. post without state, as under act: says so, calls nothing, exits 0
before=$(emulator_state | jq .requests)
run_phase post-without-state "$post_entrypoint" "$work/mint.inputs"
expect_exit "$step_dir" 0
after=$(emulator_state | jq .requests)
[[ "$before" == "$after" ]] || fail_step "$step_dir" "post without state made $((after - before)) API request(s), want none"
[[ -n "$(shown_log "$step_dir")" ]] || fail_step "$step_dir" "post without state said nothing about it"
log "post without state: explained, no API call, exit 0"

# ---- 4. a refused request fails main with one ::error:: line; post still runs
inputs_for -with "app-id=$EMULATOR_APP_ID" -with-file "private-key=$EMULATOR_KEY_FILE" \
	-with owner=octo-org -with repositories=website -with permission-contents=write >"$work/refused.inputs"
tokens_before=$(emulator_state | jq '.tokens | length')
run_phase refused "$main_entrypoint" "$work/refused.inputs"
refused_dir=$step_dir
expect_exit "$refused_dir" 1
errors=$(grep -c '^::error' "$refused_dir/stdout" || true)
[[ "$errors" == 1 ]] || fail_step "$refused_dir" "the refused step printed $errors ::error lines, want 1"
assert_key_hidden "$refused_dir"
[[ "$(emulator_state | jq '.tokens | length')" == "$tokens_before" ]] || die "a token was minted for a refused request"
log "refused: $(grep '^::error' "$refused_dir/stdout")"
"$actionenv" filecmd -file "$refused_dir/state" -prefix STATE_ >"$work/refused.state"
run_phase refused-post "$post_entrypoint" "$work/refused.inputs" "$work/refused.state"
expect_exit "$step_dir" 0

# ---- 5. kms-key: the App's key only in (local) AWS KMS, no private-key input
# local-kms is the version .ci/run installs (internal/githubtest/localkms.go);
# it holds the emulator's App key as PKCS#8, under an alias.
local_kms="$(go env GOPATH)/bin/local-kms"
[[ -x "$local_kms" ]] || timeout 600 go install github.com/nsmithuk/local-kms@v0.0.0-20260228092603-2a5e92d09ab6 ||
	die "could not install local-kms"
kms_key_id=0b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b
{
	printf 'Keys:\n  Asymmetric:\n    Rsa:\n      - Metadata:\n          KeyId: %s\n          KeyUsage: SIGN_VERIFY\n        PrivateKeyPem: |\n' "$kms_key_id"
	openssl pkcs8 -topk8 -nocrypt -in "$EMULATOR_KEY_FILE" | sed 's/^/          /'
	printf 'Aliases:\n  - AliasName: alias/github-app\n    TargetKeyId: %s\n' "$kms_key_id"
} >"$work/kms-seed.yaml"
PORT=0 KMS_SEED_PATH="$work/kms-seed.yaml" KMS_DATA_PATH="$work/kms-data" KMS_REGION=eu-west-1 \
	KMS_ACCOUNT_ID=111122223333 "$local_kms" >"$work/local-kms.log" 2>&1 &
kms_pid=$!
wait_for 20 "local-kms to listen" grep -q 'Local KMS started on' "$work/local-kms.log"
kms_url="http://127.0.0.1:$(sed -n 's/.*Local KMS started on [0-9.]*:\([0-9]*\).*/\1/p' "$work/local-kms.log" | head -1)"
aws_secret=$(head -c 30 /dev/urandom | base64 | tr -d '+/=')
inputs_for -with "client-id=$EMULATOR_CLIENT_ID" -with kms-key=awskms:///alias/github-app \
	-with owner=octo-org -with repositories=app -with permission-contents=read >"$work/kms.inputs"
# The job's AWS environment, as aws-actions/configure-aws-credentials leaves it.
printf '%s\0' "AWS_ENDPOINT_URL_KMS=$kms_url" AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true \
	AWS_ACCESS_KEY_ID=AKIAHARNESSSTATIC001 "AWS_SECRET_ACCESS_KEY=$aws_secret" >>"$work/kms.inputs"
tokens_before=$(emulator_state | jq '.tokens | length')
run_phase kms-key "$main_entrypoint" "$work/kms.inputs"
kms_dir=$step_dir
expect_exit "$kms_dir" 0
[[ "$(emulator_state | jq '.tokens | length')" == $((tokens_before + 1)) ]] || fail_step "$kms_dir" "kms-key minted no token"
kms_token=$("$actionenv" get -file "$kms_dir/output" -name token) || fail_step "$kms_dir" "kms-key set no token output"
assert_hidden "$kms_dir" "the token" "$kms_token"
assert_hidden "$kms_dir" "the AWS secret access key" "$aws_secret"
assert_key_hidden "$kms_dir"
grep -q 'RAW message signed with' "$work/local-kms.log" || fail_step "$kms_dir" "local-kms logged no Sign call"
log "kms-key: minted with the App key held only by local-kms (AWS_ENDPOINT_URL_KMS), AWS secret hidden"

# ---- 6. kms-key as a key ARN: the region comes from the ARN alone
inputs_for -with "client-id=$EMULATOR_CLIENT_ID" \
	-with "kms-key=awskms:///arn:aws:kms:eu-west-1:111122223333:key/$kms_key_id" \
	-with owner=octo-org -with repositories=app -with permission-contents=read >"$work/kms-arn.inputs"
printf '%s\0' "AWS_ENDPOINT_URL_KMS=$kms_url" AWS_EC2_METADATA_DISABLED=true \
	AWS_ACCESS_KEY_ID=AKIAHARNESSSTATIC001 "AWS_SECRET_ACCESS_KEY=$aws_secret" >>"$work/kms-arn.inputs"
run_phase kms-key-arn "$main_entrypoint" "$work/kms-arn.inputs"
expect_exit "$step_dir" 0
assert_hidden "$step_dir" "the AWS secret access key" "$aws_secret"
log "kms-key by key ARN, no AWS_REGION: minted"

# ---- 6b. kms-key without AWS credentials: one error that says what to do, no token
inputs_for -with "client-id=$EMULATOR_CLIENT_ID" -with kms-key=awskms:///alias/github-app \
	-with owner=octo-org -with repositories=app >"$work/kms-nocreds.inputs"
printf '%s\0' "AWS_ENDPOINT_URL_KMS=$kms_url" AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true >>"$work/kms-nocreds.inputs"
tokens_before=$(emulator_state | jq '.tokens | length')
run_phase kms-key-no-credentials "$main_entrypoint" "$work/kms-nocreds.inputs"
expect_exit "$step_dir" 1
grep -q '^::error::input kms-key: no AWS credentials found' "$step_dir/stdout" ||
	fail_step "$step_dir" "kms-key without credentials did not say so in one ::error:: line"
[[ "$(emulator_state | jq '.tokens | length')" == "$tokens_before" ]] || die "a token was minted without AWS credentials"
log "kms-key without AWS credentials: $(grep '^::error' "$step_dir/stdout")"

# ---- 7. jwt: an App JWT signed elsewhere (here by openssl, as docs/keyless.md's
# recipes assemble it), no key in the step; masked before anything else.
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
claims=$(printf '{"iat":%d,"exp":%d,"iss":"%s"}' $((now - 60)) $((now + 540)) "$EMULATOR_CLIENT_ID" | b64url)
jwt="$header.$claims.$(printf '%s.%s' "$header" "$claims" | openssl dgst -sha256 -sign "$EMULATOR_KEY_FILE" | b64url)"
inputs_for -with "client-id=$EMULATOR_CLIENT_ID" -with "jwt=$jwt" \
	-with owner=octo-org -with repositories=app -with permission-contents=read >"$work/jwt.inputs"
run_phase jwt "$main_entrypoint" "$work/jwt.inputs"
expect_exit "$step_dir" 0
assert_hidden "$step_dir" "the App JWT" "$jwt"
[[ "$(head -1 "$step_dir/stdout")" == "::add-mask::$jwt" ]] || fail_step "$step_dir" "the jwt input is not masked before anything else is printed"
log "jwt: minted with a JWT signed outside the step; masked first"

# ---- 8. aws-role-to-assume: no AWS credentials anywhere in the job. The
# action asks the runner for the job's OIDC token (audience
# sts.amazonaws.com), trades it at STS (AssumeRoleWithWebIdentity) for the
# role's temporary credentials and signs at KMS with them. The runner
# (ContainerActionHandler) gives every container action ACTIONS_RUNTIME_URL
# and ACTIONS_RUNTIME_TOKEN, and, only to a job with `permissions: id-token:
# write`, ACTIONS_ID_TOKEN_REQUEST_URL with ACTIONS_ID_TOKEN_REQUEST_TOKEN
# (the same token), each as `-e NAME` like any variable. Here the emulator
# plays the runner's OIDC endpoint and STS.
secrets_json() { curl -fsS --max-time 10 "$EMULATOR_URL/_emulator/secrets"; }
request_token=$(secrets_json | jq -r .id_token_request_token)
[[ ${#request_token} -ge 32 ]] || die "the emulator gave no runner request token"
inputs_for -with "client-id=$EMULATOR_CLIENT_ID" -with kms-key=awskms:///alias/github-app \
	-with "aws-role-to-assume=$EMULATOR_ROLE_ARN" \
	-with owner=octo-org -with repositories=app -with permission-contents=read >"$work/role-base.inputs"
printf '%s\0' "AWS_ENDPOINT_URL_KMS=$kms_url" "AWS_ENDPOINT_URL_STS=$EMULATOR_STS_URL" AWS_REGION=eu-west-1 \
	"ACTIONS_RUNTIME_URL=$EMULATOR_URL/" "ACTIONS_RUNTIME_TOKEN=$request_token" >>"$work/role-base.inputs"
cp "$work/role-base.inputs" "$work/role.inputs"
printf '%s\0' "ACTIONS_ID_TOKEN_REQUEST_URL=$EMULATOR_ID_TOKEN_URL" "ACTIONS_ID_TOKEN_REQUEST_TOKEN=$request_token" >>"$work/role.inputs"
if tr '\0' '\n' <"$work/role.inputs" | grep -qE '^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|WEB_IDENTITY_TOKEN_FILE|ROLE_ARN)='; then
	die "the aws-role-to-assume step would get static AWS credentials"
fi
count() { emulator_state | jq "$1 | length"; }
signs() { grep -c 'RAW message signed with' "$work/local-kms.log" || true; }
tokens_before=$(count .tokens) ids_before=$(count .id_token_requests) sts_before=$(count .sts_calls) signs_before=$(signs)
run_phase aws-role-to-assume "$main_entrypoint" "$work/role.inputs"
role_dir=$step_dir
expect_exit "$role_dir" 0
[[ "$(count .tokens)" == $((tokens_before + 1)) ]] || fail_step "$role_dir" "aws-role-to-assume minted no token"
role_token=$("$actionenv" get -file "$role_dir/output" -name token) || fail_step "$role_dir" "aws-role-to-assume set no token output"
token_record "$(sha256_of "$role_token")" | jq -e '.installation_id == 1001 and .repositories == ["app"]' >/dev/null ||
	fail_step "$role_dir" "the token output is not the token the emulator minted for octo-org/app"
# The runner's endpoint saw one authorized request for STS's audience; STS
# saw exactly that token, for the role, and granted it.
emulator_state | jq -e --argjson n "$ids_before" '.id_token_requests[$n:] == [{"audience": "sts.amazonaws.com", "authorized": true}]' >/dev/null ||
	fail_step "$role_dir" "the OIDC endpoint did not see exactly one authorized request for sts.amazonaws.com: $(emulator_state | jq -c .id_token_requests)"
oidc_token=$(secrets_json | jq -r '.id_tokens[-1]')
emulator_state | jq -e --argjson n "$sts_before" --arg role "$EMULATOR_ROLE_ARN" --arg sha "$(sha256_of "$oidc_token")" \
	'.sts_calls[$n:] | length == 1 and .[0].role_arn == $role and .[0].web_identity_token_sha256 == $sha
	and .[0].granted and .[0].session_name == "app-token-1"' >/dev/null ||
	fail_step "$role_dir" "STS did not see exactly one AssumeRoleWithWebIdentity with the emulator's OIDC token for $EMULATOR_ROLE_ARN: $(emulator_state | jq -c .sts_calls)"
(($(signs) > signs_before)) || fail_step "$role_dir" "local-kms logged no Sign call for aws-role-to-assume"
sts_secret=$(secrets_json | jq -r '.sts_secrets[-2]')
sts_session=$(secrets_json | jq -r '.sts_secrets[-1]')
access_key_id=$(emulator_state | jq -r '.sts_calls[-1].access_key_id')
assert_hidden "$role_dir" "the token" "$role_token"
assert_key_hidden "$role_dir"
assert_nowhere "$role_dir" "the job's OIDC token" "$oidc_token"
assert_nowhere "$role_dir" "the runner's request token" "$request_token"
assert_nowhere "$role_dir" "the STS secret access key" "$sts_secret"
assert_nowhere "$role_dir" "the STS session token" "$sts_session"
assert_nowhere "$role_dir" "the role's access key ID" "$access_key_id"
for what in oidc_token sts_secret sts_session access_key_id; do
	grep -qxF -e "::add-mask::${!what}" "$role_dir/stdout" || fail_step "$role_dir" "$what was never masked (::add-mask::)"
done
log "aws-role-to-assume: OIDC token for sts.amazonaws.com, one AssumeRoleWithWebIdentity of $EMULATOR_ROLE_ARN, $(($(signs) - signs_before)) KMS Sign(s) (no static AWS credentials in the step); token minted; OIDC token, request token, access key ID, STS secret and session token nowhere in the step's files"

# ---- 8b. the same step in a job without `permissions: id-token: write`: the
# runner gives no ACTIONS_ID_TOKEN_REQUEST_URL (the runtime token still
# comes). One error naming the permission; no OIDC request, STS call or token.
tokens_before=$(count .tokens) ids_before=$(count .id_token_requests) sts_before=$(count .sts_calls)
run_phase aws-role-without-id-token "$main_entrypoint" "$work/role-base.inputs"
expect_exit "$step_dir" 1
errors=$(grep -c '^::error' "$step_dir/stdout" || true)
[[ "$errors" == 1 ]] || fail_step "$step_dir" "the step printed $errors ::error lines, want 1"
grep '^::error' "$step_dir/stdout" | grep -F 'aws-role-to-assume' | grep -qF 'id-token: write' ||
	fail_step "$step_dir" "the error does not name aws-role-to-assume and id-token: write"
[[ "$(count .tokens)" == "$tokens_before" ]] || fail_step "$step_dir" "a token was minted without the job's OIDC token"
[[ "$(count .id_token_requests)" == "$ids_before" && "$(count .sts_calls)" == "$sts_before" ]] ||
	fail_step "$step_dir" "the step reached the OIDC endpoint or STS without ACTIONS_ID_TOKEN_REQUEST_URL"
assert_nowhere "$step_dir" "the runner's request token" "$request_token"
log "aws-role-to-assume without id-token: write: $(grep '^::error' "$step_dir/stdout")"

log "runner harness: all checks passed (main, post with state, post without state, refused, kms-key by alias, by ARN and without credentials, jwt, aws-role-to-assume with and without id-token: write)"
