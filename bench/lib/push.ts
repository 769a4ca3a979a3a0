import { spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../../src/config/index.js';
import { CLI_CONTEXT } from '../../src/core/audit/audit-trail.js';
import type { ApiScope } from '../../src/core/keys/scopes.js';
import { openKeys } from '../../src/main.js';
import { ApnsProviderToken } from '../../src/adapters/providers/apns/provider-token.js';
import { BENCH_DIST, HarnessError, spawnNode, stopChild, tail } from './proc.js';
import { followCpu, pctOfCore } from './cpu.js';
import { ensureLoadTool, H2LOAD } from './load-tools.js';
import { fmt, int } from './stats.js';

/** h2load's CPU over its run, as printed beside its rate: % of one core and µs per request. */
export function h2loadCpuText(r: H2loadResult): string {
  return `h2load CPU ${fmt(pctOfCore(r.cpuMs, r.seconds * 1000), 0)} % of a core, ${fmt((1000 * r.cpuMs) / Math.max(1, r.requests), 1)} µs per request`;
}

export const KEY_ID = 'ABC1234567';
export const TEAM_ID = 'TEAM123456';
export const BUNDLE_ID = 'com.example.bench';

export interface MockChild {
  name: string;
  child: ChildProcess;
  pid: number;
  info: Record<string, unknown> & { url: string; ca?: string };
  stop(): Promise<number | null>;
  /** Throws a HarnessError if the mock has died: the run would only wait for answers that never come. */
  assertAlive(): void;
}

/** Starts a provider mock from test/mocks as its own process and reads the JSON line it prints. */
export async function startMock(name: 'apns' | 'fcm' | 'hms' | 'webpush', args: string[], dir: string): Promise<MockChild> {
  const logFile = join(dir, `mock-${name}.log`);
  const child = spawnNode(join(BENCH_DIST, '..', 'test', 'mocks', name, 'main.js'), args, { logFile, stdout: true });
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<MockChild['info']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new HarnessError(`${name} mock did not start\n${tail(logFile)}`)), 15_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as MockChild['info']);
      } catch {
        reject(new HarnessError(`${name} mock printed ${line}`));
      }
    });
    child.once('exit', (code) => reject(new HarnessError(`${name} mock exited with ${code}\n${tail(logFile)}`)));
  });
  let died: string | undefined;
  child.once('exit', (code, signal) => (died = `exited with ${signal ?? code}`));
  return {
    name, child, pid: child.pid!, info, stop: () => stopChild(child),
    assertAlive() {
      if (died) throw new HarnessError(`${name} mock ${died} during the run\n${tail(logFile)}`);
    },
  };
}

/** An APNs token-auth key pair on disk: the .p8 for Herald, the public half for the mock. */
export function apnsKeys(dir: string): { keyFile: string; publicKeyFile: string; providerToken: () => string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyFile = join(dir, 'AuthKey.p8');
  const publicKeyFile = join(dir, 'apns-public.pem');
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  writeFileSync(keyFile, keyPem);
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  const token = new ApnsProviderToken({ keyPem, keyId: KEY_ID, teamId: TEAM_ID, clock: { now: () => Date.now() } });
  return { keyFile, publicKeyFile, providerToken: () => token.authorization() };
}

/** An API key straight from Herald's database (as `herald key create` does). */
export function createKey(databaseFile: string, scopes: ApiScope[]): Promise<string> {
  return createKeyWith({ 'database-file': databaseFile }, scopes);
}

/** An API key in the database these config flags name (`database-url` for PostgreSQL), as `herald key create` does. */
export async function createKeyWith(flags: Record<string, string>, scopes: ApiScope[]): Promise<string> {
  const keys = await openKeys(loadConfig({ env: {}, flags }).config);
  try {
    return (await keys.keys.create(CLI_CONTEXT, { name: 'bench', scopes })).secret;
  } finally {
    await keys.close();
  }
}

/** h2load is Debian's nghttp2-client; benchmarks that compare with it say how to get it. */
/** Installs h2load first when it is missing (see load-tools.ts). */
export function requireH2load(): void {
  ensureLoadTool(H2LOAD);
}

export interface H2loadResult {
  requests: number;
  succeeded: number;
  seconds: number;
  reqPerSec: number;
  /** h2load's own CPU time (user + system, all threads) over its run, in ms, from /proc. */
  cpuMs: number;
}

/** Runs h2load and reads its summary: `finished in Xs, N req/s` and `requests: ... N succeeded`. */
export function runH2load(args: string[]): Promise<H2loadResult> {
  return new Promise((resolve, reject) => {
    const child = spawnNode('h2load', args, { raw: true, stdout: true });
    const cpu = followCpu(child.pid!);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      const cpuMs = cpu.stop();
      const finished = /finished in ([\d.]+)(m?s), ([\d.]+) req\/s/.exec(out);
      const requests = /requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded/.exec(out);
      if (code !== 0 || !finished || !requests) return reject(new HarnessError(`h2load failed (${code}):\n${out.slice(-2000)}`));
      // A baseline with failed requests measured something else than answering them.
      if (requests[1] !== requests[2]) return reject(new HarnessError(`h2load: only ${requests[2]} of ${requests[1]} requests succeeded:\n${out.slice(-2000)}`));
      const seconds = Number(finished[1]) / (finished[2] === 'ms' ? 1000 : 1);
      resolve({ requests: Number(requests[1]), succeeded: Number(requests[2]), seconds, reqPerSec: Number(finished[3]), cpuMs });
    });
  });
}

export interface NodeH2ClientResult {
  ok: number;
  seconds: number;
  reqPerSec: number;
  /** The client process's CPU over its sends, in ms. */
  cpuMs: number;
}

/**
 * Sends `count` POSTs with a bare node:http2 client (bench/clients/h2-client.ts, its own process),
 * for the CPU Node's HTTP/2 client takes per request when used the obvious way.
 */
export function runNodeH2Client(settings: { url: string; ca: string; count: number; connections: number; streams: number; headers: Record<string, string>; body: string }, dir: string): Promise<NodeH2ClientResult> {
  const file = join(dir, 'h2-client.json');
  writeFileSync(file, JSON.stringify(settings));
  return new Promise((resolve, reject) => {
    const child = spawnNode(join(BENCH_DIST, 'clients', 'h2-client.js'), [file], { stdout: true });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      let r: { ok: number; failed: number; seconds: number; cpuMs: number };
      try {
        r = JSON.parse(line) as typeof r;
      } catch {
        return reject(new HarnessError(`node:http2 client failed (${code}):\n${out.slice(-2000)}`));
      }
      if (code !== 0 || r.failed > 0) return reject(new HarnessError(`node:http2 client: ${r.ok} ok, ${r.failed} failed (exit ${code})`));
      resolve({ ok: r.ok, seconds: r.seconds, reqPerSec: r.ok / r.seconds, cpuMs: r.cpuMs });
    });
  });
}

/** Peak resident set size of a process so far, in KiB (VmHWM). */
export function peakRssKiB(pid: number): number {
  const status = spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout;
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  if (!match) throw new HarnessError(`no VmHWM for pid ${pid}`);
  return Number(match[1]);
}

/** JSON over HTTP to Herald with an API key. */
export async function api<T>(url: string, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: (text.trim() ? JSON.parse(text) : undefined) as T };
}

export interface PushView {
  state: string;
  targets: number;
  counts: Record<string, number>;
}

/** Polls a push until every delivery has an outcome; returns the last view and when it was seen done. */
export async function waitDone(url: string, key: string, id: string, timeoutMs: number, onTick?: (view: PushView) => void, mocks: readonly MockChild[] = []): Promise<{ view: PushView; doneAt: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const m of mocks) m.assertAlive();
    const { json: view } = await api<PushView>(url, key, 'GET', `/v1/push/${encodeURIComponent(id)}`);
    onTick?.(view);
    if (view.state === 'done') return { view, doneAt: Date.now() };
    if (Date.now() > deadline) throw new HarnessError(`push ${id} not done after ${timeoutMs} ms: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The APNs and FCM mocks of a broadcast, each its own process, and what Herald needs to reach them. */
export interface BroadcastMocks {
  apns: MockChild;
  fcm: MockChild;
  keys: ReturnType<typeof apnsKeys>;
  /** The mocks' certificates and the FCM service account, written into `dir`. */
  files: { apnsCa: string; fcmCa: string; serviceAccount: string };
}

export async function startBroadcastMocks(dir: string, streams: number): Promise<BroadcastMocks> {
  const keys = apnsKeys(dir);
  const apns = await startMock('apns', ['--port', '0', '--key-id', KEY_ID, '--team-id', TEAM_ID, '--public-key-file', keys.publicKeyFile, '--bundle-id', BUNDLE_ID, '--record', '0', '--max-streams', String(streams)], dir);
  let fcm: MockChild;
  try {
    fcm = await startMock('fcm', ['--port', '0', '--record', '0', '--max-streams', String(streams)], dir);
  } catch (err) {
    await apns.stop();
    throw err;
  }
  // Each mock process makes its own certificate.
  const files = { apnsCa: join(dir, 'apns-ca.pem'), fcmCa: join(dir, 'fcm-ca.pem'), serviceAccount: join(dir, 'service-account.json') };
  writeFileSync(files.apnsCa, apns.info.ca!);
  writeFileSync(files.fcmCa, fcm.info.ca!);
  writeFileSync(files.serviceAccount, JSON.stringify(fcm.info.serviceAccount));
  return { apns, fcm, keys, files };
}

/** Herald's `apns` and `fcm` flags: one app per mock, `connections` HTTP/2 connections each. */
export function broadcastAppFlags(mocks: BroadcastMocks, connections: number): Record<string, string> {
  return {
    apns: JSON.stringify([{ 'bundle-id': BUNDLE_ID, 'base-url': mocks.apns.info.url, 'key-file': mocks.keys.keyFile, 'key-id': KEY_ID, 'team-id': TEAM_ID, 'ca-file': mocks.files.apnsCa, connections }]),
    fcm: JSON.stringify([{ 'service-account-file': mocks.files.serviceAccount, 'base-url': mocks.fcm.info.url, 'ca-file': mocks.files.fcmCa, connections }]),
  };
}

/**
 * One push to every device of `topic`, from POST /v1/push until every delivery has an outcome,
 * with progress every 10 s. Answers the final view and the seconds it took.
 */
export async function timeBroadcast(url: string, key: string, id: string, topic: string, mocks: readonly MockChild[], label = ''): Promise<{ view: PushView; elapsedS: number }> {
  const started = Date.now();
  const sent = await api<{ id: string }>(url, key, 'POST', '/v1/push', { id, to: { topics: [topic] }, notification: { title: 'Broadcast', body: 'To everyone' } });
  if (sent.status !== 202) throw new HarnessError(`push refused: ${sent.status} ${JSON.stringify(sent.json)}`);
  let lastLog = 0;
  const { view, doneAt } = await waitDone(url, key, id, 30 * 60_000, (v) => {
    if (Date.now() - lastLog < 10_000) return;
    lastLog = Date.now();
    console.log(`  ${label}${fmt((Date.now() - started) / 1000, 0)} s: ${v.state}, ${int(v.targets)} routed, ${int(v.counts.sent ?? 0)} sent`);
  }, mocks);
  return { view, elapsedS: (doneAt - started) / 1000 };
}
