'use strict';
// The native action's entry: node runs it on any runner (macOS, Windows, and
// Linux without Docker), and it starts the Go binary built for the runner's
// OS and architecture, which does all the work exactly as the container
// action does. It has no dependencies and reads nothing itself: the binary
// gets the runner's environment (INPUT_*, STATE_*, GITHUB_OUTPUT ...) as it
// is, and this process exits with the binary's code.
//
// The binaries sit in bin/ in the release commit (see docs/cli.md for why
// they are committed rather than downloaded).

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

// Go's names for node's platforms and architectures: the release targets.
const goos = { linux: 'linux', darwin: 'darwin', win32: 'windows' };
const goarch = { x64: 'amd64', arm64: 'arm64' };

// binaryName is the release binary for a platform and architecture, or
// null when there is none.
function binaryName(platform, arch) {
  const os = goos[platform];
  const cpu = goarch[arch];
  if (!os || !cpu) {
    return null;
  }
  return `app-token-${os}-${cpu}${os === 'windows' ? '.exe' : ''}`;
}

// run starts the binary for phase ("main" or "post") and sets the exit code
// to its own. A missing binary fails main; in post it is only a warning,
// since main failed already and a post failure would hide why.
function run(phase, opts = {}) {
  const dir = opts.dir || path.join(__dirname, 'bin');
  const platform = opts.platform || process.platform;
  const arch = opts.arch || process.arch;
  const report = phase === 'post' ? 'warning' : 'error';
  const name = binaryName(platform, arch);
  if (!name) {
    return fail(report, `app-token has no binary for ${platform}/${arch}: use a runner on Linux, macOS or Windows with an x64 or arm64 CPU`);
  }
  const bin = path.join(dir, name);
  if (!fs.existsSync(bin)) {
    return fail(report, `${name} is not in this ref of the action: use a release tag (uses: app-token/app-token/native@v1), whose release commit holds the binaries`);
  }
  if (platform !== 'win32') {
    try {
      fs.chmodSync(bin, 0o755); // in case an archive dropped the mode
    } catch {
      // not ours to change: starting it says whether it runs
    }
  }
  const child = spawn(bin, ['action', phase], { stdio: 'inherit', windowsHide: true });
  // The runner cancels a step with SIGINT, then SIGTERM: pass them on so the
  // binary stops as it does in a container.
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('error', (err) => fail(report, `could not start ${name}: ${err.message}`));
  child.on('exit', (code) => {
    process.removeListener('SIGINT', forward);
    process.removeListener('SIGTERM', forward);
    process.exitCode = code === null ? 1 : code;
  });
  return child;
}

// fail writes one workflow command, escaped as the runner reads it.
function fail(level, message) {
  const escaped = message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  process.stdout.write(`::${level}::${escaped}\n`);
  process.exitCode = level === 'error' ? 1 : 0;
  return null;
}

module.exports = { binaryName, run };
