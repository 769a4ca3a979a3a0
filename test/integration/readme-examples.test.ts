import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { fencedBlocks, type FencedBlock } from '../helpers/markdown.js';
import { HERALD_BIN } from '../helpers/herald-process.js';
import { freePort } from '../helpers/ports.js';
import { APNS_KEY_ID, APNS_TEAM_ID, BUNDLE_ID } from '../helpers/push-rig.js';
import { repoFile } from '../helpers/repo.js';
import { eventually } from '../helpers/wait.js';
import { startApnsMock, type ApnsMock } from '../mocks/apns/mock.js';
import { startFcmMock, type FcmMock } from '../mocks/fcm/mock.js';
import { startSmtpSink, type SmtpSink } from '../mocks/smtp/smtp-sink.js';
import { testCertificate } from '../mocks/tls.js';
import { startTwilioMock, type TwilioMock } from '../mocks/twilio/twilio-mock.js';

/**
 * The README, run. Every ```sh / ```bash / ```shell block (and the `$ ` lines of a ```console
 * block) is executed in order, as written, in one bash session, the way a reader pastes them into
 * one terminal: variables set by one block are there for the next. The session runs against a
 * fresh Herald started as the README says (`herald serve` with the README's own `# herald.yml`
 * block, in an empty directory, on the port the examples use), with `herald` on the PATH.
 *
 * Conventions (the README states them too, next to the first example):
 * - A `# …` line is a comment; output shown as `# …` is therefore never run.
 * - A block whose first line starts with `# Not run by the README test:` is skipped; it says why.
 *   The set is kept tiny and listed below in NOT_RUN, so a new skip is a deliberate change here.
 * - Every curl must answer with a success status: the session's `curl` adds `--fail-with-body`
 *   and every curl or herald command that exits non-zero is reported, background ones included.
 * - Providers the examples reach (the SMTP relay, Twilio, APNs, FCM) are this repository's protocol
 *   mocks: the README's config keeps its example credentials, and only the endpoints are pointed
 *   at the mocks through environment variables (PROVIDER_ENV below), which beat the YAML file.
 * - What a reader types is typed here: a `read` in an example gets, on the session's stdin, the
 *   code of each phone verification the Twilio mock opened (what the SMS would have said), the
 *   moment the mock has it. Nothing else is ever written to stdin, and it stays open until the
 *   session ends: a command that reads stdin must be given its input (a pipe, a file, MESSAGE).
 */

/** The first command line of each block the README marks as not run, and why it cannot run here. */
const NOT_RUN: readonly { command: string; why: string }[] = [
  { command: 'npm ci', why: 'installs packages and starts a server in the foreground; the test starts its own' },
  { command: 'npm link', why: 'changes the global npm prefix; the test puts its own herald on the PATH' },
  { command: 'systemctl stop herald', why: 'stops a systemd service and copies into a PostgreSQL host named db' },
];

/** The session's marker for a skipped block. */
const NOT_RUN_MARK = /^# Not run by the README test: \S/;
const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console']);
/** The whole README, every example: generous for a loaded 2-core machine; it takes ~40 s when quiet, ~80 s with both cores busy. */
const SESSION_DEADLINE_MS = 240_000;

const README_PATH = repoFile('README.md');
let dir: string;
let sink: SmtpSink;
let twilio: TwilioMock;
let apns: ApnsMock;
let fcm: FcmMock;
let server: ChildProcess | undefined;
let serverLog = '';

interface Plan {
  config: string;
  run: FencedBlock[];
  skipped: FencedBlock[];
  script: string;
}

/** Splits the README into the config block, the blocks to run and the ones marked not run; builds the session script. */
function plan(readme: string): Plan {
  const blocks = fencedBlocks(readme);
  const configs = blocks.filter((b) => (b.lang === 'yaml' || b.lang === 'yml') && b.lines[0]?.trim() === '# herald.yml');
  assert.equal(configs.length, 1, 'the README has exactly one ```yaml block starting with "# herald.yml": the config its examples run against');
  const shell = blocks.filter((b) => SHELL_LANGS.has(b.lang));
  const skipped = shell.filter((b) => NOT_RUN_MARK.test(b.lines[0] ?? ''));
  const run = shell.filter((b) => !skipped.includes(b));
  // The script keeps the README's line numbers: bash's $LINENO then names the README line that failed.
  const lines = readme.split('\n').map(() => '');
  for (const block of run) {
    block.lines.forEach((text, i) => {
      if (block.lang !== 'console') lines[block.line - 1 + i] = text;
      else if (text.startsWith('$ ')) lines[block.line - 1 + i] = text.slice(2);
    });
  }
  assert.equal(lines[0], '', 'the README does not start with a code block');
  lines[0] = `set -euo pipefail; trap 'echo "README.md:$LINENO: exit status $?: $BASH_COMMAND" >&2' ERR`;
  return { config: configs[0]!.lines.join('\n') + '\n', run, skipped, script: lines.join('\n') + '\n' };
}

/** `curl` and `herald` as the session sees them: the real ones, with every failure written down. */
function writeShims(bin: string, failures: string): void {
  mkdirSync(bin, { recursive: true });
  const record = `if [ "$rc" -ne 0 ]; then printf 'exit %s: %s\\n' "$rc" "$*" >> '${failures}'; fi; exit "$rc"`;
  const realCurl = ['/usr/bin/curl', '/usr/local/bin/curl', '/bin/curl'].find((p) => existsSync(p));
  assert.ok(realCurl, 'curl is installed');
  writeFileSync(join(bin, 'curl'), `#!/usr/bin/env bash\n'${realCurl}' --fail-with-body --no-progress-meter "$@"; rc=$?\nset -- curl "$@"; ${record}\n`);
  writeFileSync(join(bin, 'herald'), `#!/usr/bin/env bash\n'${process.execPath}' '${HERALD_BIN}' "$@"; rc=$?\nset -- herald "$@"; ${record}\n`);
  chmodSync(join(bin, 'curl'), 0o755);
  chmodSync(join(bin, 'herald'), 0o755);
}

/**
 * The environment of the session and the server: the developer's HERALD_* and curl settings are
 * never seen, nor an XDG_CONFIG_HOME that would move the client config away from HOME.
 */
function baseEnv(): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HERALD_') && !k.startsWith('CURL_') && k !== 'XDG_CONFIG_HOME'));
  return { ...inherited, HOME: dir, PATH: `${join(dir, 'bin')}${delimiter}${process.env.PATH ?? ''}` };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'herald-readme-'));
  const readme = readFileSync(README_PATH, 'utf8');
  const { config } = plan(readme);
  const yaml = (parseYaml(config) ?? {}) as Record<string, unknown>;
  const text = (key: string): string | undefined => (typeof yaml[key] === 'string' ? (yaml[key] as string) : undefined);

  const smtpUser = text('smtp-sender-user');
  const smtpPass = text('smtp-sender-pass');
  sink = await startSmtpSink(smtpUser && smtpPass ? { auth: { user: smtpUser, pass: smtpPass } } : {});
  twilio = await startTwilioMock({
    ...(text('twilio-account') ? { accountSid: text('twilio-account')! } : {}),
    ...(text('twilio-auth-token') ? { authToken: text('twilio-auth-token')! } : {}),
    ...(text('twilio-verify-service') ? { verifyServiceSid: text('twilio-verify-service')! } : {}),
  });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  apns = await startApnsMock({ token: { publicKey, keyId: APNS_KEY_ID, teamId: APNS_TEAM_ID }, bundleId: BUNDLE_ID });
  fcm = await startFcmMock();
  const mocks = join(dir, 'mocks');
  mkdirSync(mocks);
  writeFileSync(join(mocks, 'AuthKey.p8'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(mocks, 'ca.pem'), testCertificate().cert);
  writeFileSync(join(mocks, 'service-account.json'), JSON.stringify(fcm.serviceAccount));
  writeFileSync(join(dir, 'herald.yml'), config);
  writeShims(join(dir, 'bin'), join(dir, 'failures.log'));

  /** Where the README's providers really are: the mocks. Only endpoints and credentials files change. */
  const PROVIDER_ENV: Record<string, string> = {
    HERALD_SMTP_SENDER_ADDR: `127.0.0.1:${sink.port}`,
    HERALD_SMTP_SENDER_TLS: 'none',
    HERALD_TWILIO_BASE_URL: twilio.url,
    HERALD_TWILIO_VERIFY_BASE_URL: twilio.url,
    HERALD_APNS: JSON.stringify([{ name: 'default', 'bundle-id': BUNDLE_ID, 'base-url': apns.url, 'key-file': join(mocks, 'AuthKey.p8'), 'key-id': APNS_KEY_ID, 'team-id': APNS_TEAM_ID, 'ca-file': join(mocks, 'ca.pem') }]),
    HERALD_FCM: JSON.stringify([{ name: 'default', 'service-account-file': join(mocks, 'service-account.json'), 'base-url': fcm.url, 'ca-file': join(mocks, 'ca.pem') }]),
  };

  assert.ok(await freePort({ from: 8080, below: 8081 }).catch(() => undefined), 'port 8080 is free: the README examples address localhost:8080, so the test serves there (stop the Herald running on it)');
  const smtpListen = text('smtp-server-listen');
  const smtpPort = smtpListen ? Number(smtpListen.slice(smtpListen.lastIndexOf(':') + 1)) : undefined;
  if (smtpPort) assert.ok(await freePort({ from: smtpPort, below: smtpPort + 1 }).catch(() => undefined), `port ${smtpPort} is free: the README's smtp-server-listen, which its e-mail examples address`);
  server = spawn(process.execPath, [HERALD_BIN, 'serve', '--config', 'herald.yml'], { cwd: dir, env: { ...baseEnv(), ...PROVIDER_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.setEncoding('utf8').on('data', (s: string) => (serverLog += s));
  server.stderr!.setEncoding('utf8').on('data', (s: string) => (serverLog += s));
  await eventually('Herald to answer on localhost:8080', async () => {
    if (server!.exitCode !== null) throw new Error(`herald serve exited (${server!.exitCode}): ${serverLog.slice(-3000)}`);
    return fetch('http://localhost:8080/v1/health').then((r) => r.ok, () => false);
  }, 60_000, 50);
});

after(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('close', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await Promise.all([sink?.close(), twilio?.close(), apns?.close(), fcm?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the blocks marked not run are exactly the listed ones, and each says why', () => {
  const { skipped, run } = plan(readFileSync(README_PATH, 'utf8'));
  const firstCommand = (b: FencedBlock) => b.lines.find((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))?.trim() ?? '';
  assert.deepEqual(skipped.map((b) => firstCommand(b).split(/\s+#|\s+&&|;/)[0]!.trim()), NOT_RUN.map((n) => n.command));
  assert.ok(run.length >= 10, `the README has examples to run (found ${run.length} blocks)`);
});

test('every shell example in the README runs, in order, as written, against a fresh server', { timeout: SESSION_DEADLINE_MS + 30_000 }, async () => {
  const { script } = plan(readFileSync(README_PATH, 'utf8'));
  writeFileSync(join(dir, 'readme.sh'), script);
  // Its own process group, so background jobs the examples leave (a subscriber) end with it.
  const session = spawn('bash', ['readme.sh'], { cwd: dir, env: baseEnv(), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let out = '';
  session.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  session.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  session.stdin!.on('error', () => undefined);
  // The reader's part: type each verification code the SMS (the Twilio mock) brought, once.
  const typed = new Set<string>();
  const typist = setInterval(() => {
    for (const v of twilio.verifications.values()) {
      if (v.status !== 'pending' || typed.has(v.sid)) continue;
      typed.add(v.sid);
      session.stdin!.write(`${v.code}\n`);
    }
  }, 50);
  const status = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => resolve(`no end after ${SESSION_DEADLINE_MS} ms`), SESSION_DEADLINE_MS);
    session.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? String(signal));
    });
  });
  clearInterval(typist);
  try {
    process.kill(-session.pid!, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
  const failures = existsSync(join(dir, 'failures.log')) ? readFileSync(join(dir, 'failures.log'), 'utf8') : '';
  const context = `\n--- session output (last 6000 characters) ---\n${out.slice(-6000)}\n--- server log (last 3000) ---\n${serverLog.slice(-3000)}`;
  assert.equal(status, 0, `the README session failed${context}`);
  assert.equal(failures, '', `commands that failed${context}`);

  // What the examples say happens, happened: the e-mail of the first notify send went out (quiet
  // hours of the example do not hold it back), and the SMS of the fallback example.
  await eventually('the order-shipped e-mail at the SMTP relay', () => sink.messages.some((m) => m.to.includes('ann@example.com') && /Subject: Order 42/.test(m.raw.toString('utf8'))), 60_000);
  // The phone example verified a number and then rang it, reading the message out.
  await eventually('the X-Call example\'s call at Twilio', () => [...twilio.calls.values()].some((c) => c.to === '+15551230000' && /db1 is down/.test(c.twiml)), 60_000);
  // The mail sent to the SMTP listener became a message of its topic.
  const backups = (await fetch('http://localhost:8080/backups/json?poll=1').then((r) => r.text())).trim().split('\n').map((l) => JSON.parse(l) as { title?: string; message?: string });
  assert.ok(backups.some((m) => m.title === 'Backup finished' && m.message === 'All volumes copied.'), 'the mailed message is in its topic');
});
