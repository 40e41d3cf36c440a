# shellcheck shell=bash
# lib.sh: helpers shared by the container test scripts. Source it; it sets
# nothing up by itself. Every wait here is bounded so CI can never hang.

# repo_root is the checkout the scripts live in (two levels up).
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { printf '[container-test %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

die() {
	printf '[container-test] FAIL: %s\n' "$*" >&2
	exit 1
}

# need_cmd NAME...: fail early with a clear message instead of a confusing
# "command not found" half way through.
need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || die "required command '$c' is not installed"
	done
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s until
# it succeeds; fails with DESCRIPTION once SECONDS have passed.
wait_for() {
	local limit=$1 what=$2
	shift 2
	local deadline=$((SECONDS + limit))
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || die "timed out after ${limit}s waiting for ${what}"
		sleep 0.2
	done
}

# running PID: true while PID is alive (a zombie, exited but not yet
# reaped, counts as gone).
running() {
	local state
	state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ "$state" != Z* ]]
}

# stop_pid PID NAME: ends one background process we started, by its id,
# first politely, then for good after 10 s.
stop_pid() {
	local pid=$1 name=$2 i
	[[ -n "$pid" ]] || return 0
	running "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		running "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
		sleep 0.2
	done
	log "$name (pid $pid) ignored SIGTERM for 10s; sending SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# action_image is the tag the scripts give the action's image.
# shellcheck disable=SC2034 # used by the scripts that source this file
action_image="localhost/app-token:e2e"

# build_base_ref prints the image the Dockerfile's first stage starts FROM,
# fully qualified the way Docker resolves a short name.
build_base_ref() {
	local ref
	# The first field after FROM that is no flag (--platform=...).
	ref=$(awk 'toupper($1) == "FROM" { for (i = 2; i <= NF; i++) if ($i !~ /^--/) { print $i; exit } }' "$repo_root/Dockerfile")
	[[ -n "$ref" ]] || die "no FROM line in $repo_root/Dockerfile"
	case "$ref" in
	*/*/*) ;;                      # registry/namespace/name
	*/*) ref="docker.io/$ref" ;;   # namespace/name
	*) ref="docker.io/library/$ref" ;;
	esac
	printf '%s\n' "$ref"
}

# start_emulator DIR [FLAG...]: builds and starts the project's GitHub API emulator on
# a free loopback port (FLAGs passed on, e.g. -files DIR), waits (bounded)
# until it listens, and sets
# emulator_pid plus EMULATOR_URL, EMULATOR_APP_ID, EMULATOR_CLIENT_ID and
# EMULATOR_KEY_FILE. The caller's trap must stop emulator_pid.
start_emulator() {
	local dir=$1
	mkdir -p "$dir"
	(cd "$repo_root" && timeout 600 go build -o "$dir/github-emulator" ./cmd/github-emulator) ||
		die "could not build ./cmd/github-emulator"
	rm -f "$dir/emu.env"
	"$dir/github-emulator" -addr 127.0.0.1:0 -key-out "$dir/key.pem" \
		-info-out "$dir/emu.env" "${@:2}" >"$dir/emulator.log" 2>&1 &
	emulator_pid=$!
	wait_for 30 "the emulator to write $dir/emu.env" test -s "$dir/emu.env"
	# shellcheck disable=SC1091
	source "$dir/emu.env"
	[[ -n "${EMULATOR_URL:-}" ]] || die "emulator info file has no EMULATOR_URL: $(cat "$dir/emu.env")"
	wait_for 10 "the emulator to answer at $EMULATOR_URL" curl -fsS --max-time 2 "$EMULATOR_URL/_emulator/state"
	EMULATOR_KEY_FILE="$dir/key.pem"
	export EMULATOR_URL EMULATOR_APP_ID EMULATOR_CLIENT_ID EMULATOR_KEY_FILE
	log "emulator up at $EMULATOR_URL (pid $emulator_pid)"
}

# emulator_state prints the emulator's recorded state as JSON.
emulator_state() {
	curl -fsS --max-time 10 "$EMULATOR_URL/_emulator/state"
}

# sha256_of STRING: hex digest, so tokens can be compared without printing them.
sha256_of() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# start_registry DIR: starts a real OCI registry (Debian's docker-registry,
# the CNCF distribution registry) on a free 127.0.0.1 port with its storage
# in DIR, and lists it as a plain-HTTP ("insecure") registry for podman in
# a registries.conf.d drop-in, so podman and act (through podman's API) can
# push to and pull from it. Sets registry_pid, REGISTRY_ADDR and
# registry_conf; the caller's trap must call stop_registry.
start_registry() {
	local dir=$1 port
	need_cmd docker-registry curl
	mkdir -p "$dir/data"
	for port in $(shuf -i 20000-29999 -n 20); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
	done
	REGISTRY_ADDR="127.0.0.1:$port"
	cat >"$dir/config.yml" <<CONF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
CONF
	registry_conf="/etc/containers/registries.conf.d/50-app-token-test-registry-$port.conf"
	mkdir -p /etc/containers/registries.conf.d
	printf '# written by app-token test/container/lib.sh; removed when the test ends\n[[registry]]\nlocation = "%s"\ninsecure = true\n' \
		"$REGISTRY_ADDR" >"$registry_conf"
	docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
	registry_pid=$!
	wait_for 30 "the registry to answer at http://$REGISTRY_ADDR/v2/" curl -fsS --max-time 2 "http://$REGISTRY_ADDR/v2/"
	export REGISTRY_ADDR
	log "registry up at $REGISTRY_ADDR (pid $registry_pid)"
}

# stop_registry: ends the registry start_registry started and removes its
# registries.conf.d drop-in.
stop_registry() {
	stop_pid "${registry_pid:-}" "docker-registry"
	[[ -z "${registry_conf:-}" ]] || rm -f "$registry_conf"
}
