'use strict';
// Tests the native action the way the runner runs a node action: the
// action's folder (action.yml, the entry, bin/ with the real Linux binary
// built by the release tool), every declared input as INPUT_<NAME> with
// hyphens kept and defaults filled in, file commands for outputs and saved
// state, and the state handed to post as STATE_<name>. GitHub is the
// project's emulator (cmd/github-emulator). Run with: node --test native/test/

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { binaryName } = require('../entry');

const repo = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'native-action-'));
const actionDir = path.join(tmp, 'action');
let emulator;
let emu = {};
let appKey;

// go runs a Go command in the repository, failing the test run if it fails.
function go(...args) {
  execFileSync('go', args, { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CGO_ENABLED: '0' } });
}

before(async () => {
  // The action's folder as the runner downloads it from a release commit.
  fs.mkdirSync(path.join(actionDir, 'bin'), { recursive: true });
  for (const f of ['action.yml', 'entry.js', 'main.js', 'post.js']) {
    fs.copyFileSync(path.join(repo, 'native', f), path.join(actionDir, f));
  }
  const goarch = { x64: 'amd64', arm64: 'arm64' }[process.arch];
  go('run', './cmd/release-binaries', '-targets', `linux/${goarch}`, '-out', path.join(actionDir, 'bin'));

  const emuBin = path.join(tmp, 'github-emulator');
  go('build', '-o', emuBin, './cmd/github-emulator');
  const info = path.join(tmp, 'emu.env');
  const keyFile = path.join(tmp, 'key.pem');
  emulator = spawn(emuBin, ['-addr', '127.0.0.1:0', '-key-out', keyFile, '-info-out', info], { stdio: 'ignore' });
  for (let i = 0; i < 200 && !fs.existsSync(info); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const line of fs.readFileSync(info, 'utf8').split('\n')) {
    const [k, ...v] = line.split('=');
    if (k) emu[k] = v.join('=');
  }
  appKey = fs.readFileSync(keyFile, 'utf8');
});

after(() => {
  if (emulator) emulator.kill();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// declaredInputs reads action.yml's inputs and defaults as the runner does.
function declaredInputs(actionYml) {
  const inputs = {};
  const text = fs.readFileSync(actionYml, 'utf8');
  const section = text.slice(text.indexOf('\ninputs:\n'), text.indexOf('\noutputs:\n'));
  let name;
  for (const line of section.split('\n')) {
    let m;
    if ((m = /^  ([a-z0-9-]+):$/.exec(line))) {
      name = m[1];
      inputs[name] = '';
    } else if ((m = /^    default: (.*)$/.exec(line))) {
      inputs[name] = JSON.parse(m[1]);
    }
  }
  return inputs;
}

// parseFileCommands reads GITHUB_OUTPUT or GITHUB_STATE: name=value lines
// and name<<DELIMITER blocks.
function parseFileCommands(file) {
  const out = {};
  if (!fs.existsSync(file)) return out;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const value = [];
      while (++i < lines.length && lines[i] !== heredoc[2]) value.push(lines[i]);
      out[heredoc[1]] = value.join('\n');
    } else if (lines[i].includes('=')) {
      const [k, ...v] = lines[i].split('=');
      out[k] = v.join('=');
    }
  }
  return out;
}

// runPhase runs main.js or post.js under node as the runner does.
function runPhase(dir, phase, withInputs, state = {}) {
  const work = fs.mkdtempSync(path.join(tmp, 'step-'));
  const files = {};
  for (const f of ['OUTPUT', 'STATE', 'ENV', 'PATH', 'STEP_SUMMARY']) {
    files[f] = path.join(work, f.toLowerCase());
    fs.writeFileSync(files[f], '');
  }
  const env = {
    PATH: process.env.PATH,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_REPOSITORY: 'octo-org/app',
    GITHUB_REPOSITORY_OWNER: 'octo-org',
    GITHUB_API_URL: emu.EMULATOR_URL,
    GITHUB_SERVER_URL: 'https://github.com',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: work,
  };
  for (const [f, p] of Object.entries(files)) env[`GITHUB_${f}`] = p;
  const inputs = { ...declaredInputs(path.join(dir, 'action.yml')), ...withInputs };
  for (const [name, value] of Object.entries(inputs)) {
    env[`INPUT_${name.toUpperCase()}`] = value.replace('${{ github.api_url }}', env.GITHUB_API_URL);
  }
  for (const [k, v] of Object.entries(state)) env[`STATE_${k}`] = v;
  const res = spawnSync(process.execPath, [path.join(dir, `${phase}.js`)], { env, encoding: 'utf8', timeout: 60000 });
  return {
    code: res.status,
    stdout: res.stdout,
    stderr: res.stderr,
    outputs: parseFileCommands(files.OUTPUT),
    state: parseFileCommands(files.STATE),
  };
}

async function emulatorState() {
  const res = await fetch(`${emu.EMULATOR_URL}/_emulator/state`);
  return res.json();
}

function sha256(s) {
  return crypto.createHash('sha256').update(s).digest('hex');
}

// Nothing secret in the log: the token only in its ::add-mask:: line, no key line anywhere.
function assertNoLeak(res, token) {
  for (const line of res.stdout.split('\n')) {
    if (token && line.includes(token)) assert.equal(line, `::add-mask::${token}`, 'token in a log line');
  }
  for (const keyLine of appKey.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) {
    assert.ok(!res.stdout.includes(keyLine) && !res.stderr.includes(keyLine), 'a key line in the log');
  }
}

test('binary names are the release names for every target', () => {
  const want = {
    'linux/x64': 'app-token-linux-amd64',
    'linux/arm64': 'app-token-linux-arm64',
    'darwin/x64': 'app-token-darwin-amd64',
    'darwin/arm64': 'app-token-darwin-arm64',
    'win32/x64': 'app-token-windows-amd64.exe',
    'win32/arm64': 'app-token-windows-arm64.exe',
  };
  for (const [target, name] of Object.entries(want)) {
    const [platform, arch] = target.split('/');
    assert.equal(binaryName(platform, arch), name);
  }
  assert.equal(binaryName('freebsd', 'x64'), null);
  assert.equal(binaryName('linux', 'ia32'), null);
});

test('main mints a scoped token into outputs and state; post revokes it', async () => {
  const inputs = {
    'client-id': emu.EMULATOR_CLIENT_ID,
    'private-key': appKey,
    repositories: 'app,infra',
    'permission-contents': 'read',
  };
  const main = runPhase(actionDir, 'main', inputs);
  assert.equal(main.code, 0, main.stdout + main.stderr);
  const token = main.outputs.token;
  assert.ok(token && token.length > 16, 'no token output');
  assert.ok(main.stdout.includes(`::add-mask::${token}`), 'token not masked');
  assert.equal(main.outputs['installation-id'], '1001');
  assert.deepEqual(JSON.parse(main.outputs.permissions), { contents: 'read' });
  assert.equal(main.state.token, token, 'token not saved for post');
  assertNoLeak(main, token);

  let minted = (await emulatorState()).tokens.find((t) => t.sha256 === sha256(token));
  assert.deepEqual(minted.repositories, ['app', 'infra']);
  assert.equal(minted.revoked, false);

  const post = runPhase(actionDir, 'post', inputs, main.state);
  assert.equal(post.code, 0, post.stdout + post.stderr);
  assert.match(post.stdout, /Token revoked\./);
  assertNoLeak(post, token);
  minted = (await emulatorState()).tokens.find((t) => t.sha256 === sha256(token));
  assert.equal(minted.revoked, true, 'post did not revoke the token');
});

test('a bad input fails main with one error annotation and exit 1', () => {
  const res = runPhase(actionDir, 'main', {
    'client-id': emu.EMULATOR_CLIENT_ID,
    'private-key': appKey,
    permissions: 'contens: write',
  });
  assert.equal(res.code, 1);
  const errors = res.stdout.split('\n').filter((l) => l.startsWith('::error::'));
  assert.equal(errors.length, 1, res.stdout);
  assert.match(errors[0], /contens/);
  assert.equal(res.outputs.token, undefined);
  assertNoLeak(res);
});

test('without the binary, main fails saying to use a release tag; post only warns', () => {
  const bare = path.join(tmp, 'bare');
  fs.mkdirSync(bare);
  for (const f of ['action.yml', 'entry.js', 'main.js', 'post.js']) fs.copyFileSync(path.join(actionDir, f), path.join(bare, f));
  const main = runPhase(bare, 'main', {});
  assert.equal(main.code, 1);
  assert.match(main.stdout, /^::error::app-token-linux-.* is not in this ref of the action: use a release tag/m);
  const post = runPhase(bare, 'post', {});
  assert.equal(post.code, 0);
  assert.match(post.stdout, /^::warning::/m);
});
