import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CpuWatch, pctOfCore } from './lib/cpu.js';
import { printProfile, profileDir } from './lib/profile.js';
import { makeTmpDir, profileFlags } from './lib/proc.js';
import { api, apnsKeys, BUNDLE_ID, createKey, h2loadCpuText, KEY_ID, requireH2load, runH2load, runNodeH2Client, startMock, TEAM_ID, type MockChild } from './lib/push.js';
import { startHerald, type ServerChild } from './lib/servers.js';
import { bar, fmt, int, parseOptions } from './lib/stats.js';

/**
 * `push-apns`: N deliveries end to end — accepted by POST /v1/push (raw tokens, 1000 per push),
 * queued, sent over TLS + HTTP/2 to the APNs mock (its own process), outcome recorded — against
 * h2load sending the same number of requests to the same mock over as many connections and
 * streams, in the same run. Bar: Herald >= 0.5 x h2load's requests/s.
 */
export async function main(args: string[]): Promise<number> {
  const o = parseOptions(args, { deliveries: 200_000, connections: 2, streams: 500, clients: 4, concurrency: 0, 'threads-per-app': 0, profile: 0 });
  requireH2load();
  const tmp = makeTmpDir('push-apns');
  let mock: MockChild | undefined;
  let herald: ServerChild | undefined;
  try {
    const { dir } = tmp;
    const keys = apnsKeys(dir);
    mock = await startMock('apns', ['--port', '0', '--key-id', KEY_ID, '--team-id', TEAM_ID, '--public-key-file', keys.publicKeyFile, '--bundle-id', BUNDLE_ID, '--record', '0', '--max-streams', String(o.streams)], dir);
    writeFileSync(join(dir, 'apns-ca.pem'), mock.info.ca!);
    const notification = { title: 'Order shipped', body: 'Your order #42 is on its way' };
    const body = join(dir, 'apns.json');
    writeFileSync(body, JSON.stringify({ aps: { alert: notification } }));

    // h2load runs before and after Herald, and the mean is the baseline: the box's background load
    // drifts over a run, and bracketing Herald's run spreads that drift over both sides.
    const h2load = async (label: string) => {
      const cpu = new CpuWatch({ mock: mock!.pid });
      const r = await runH2load(['-n', String(o.deliveries), '-c', String(o.connections), '-m', String(o.streams), '-t', '1',
        '-H', `authorization: ${keys.providerToken()}`, '-H', `apns-topic: ${BUNDLE_ID}`, '-H', 'apns-push-type: alert', '-H', 'apns-priority: 10',
        '-d', body, `${mock!.info.url}/3/device/${randomBytes(32).toString('hex')}`]);
      const used = cpu.read();
      console.log(`h2load ${label}: ${int(r.succeeded)} ok in ${fmt(r.seconds, 2)} s = ${int(r.reqPerSec)} req/s (${o.connections} connections x ${o.streams} streams); ${h2loadCpuText(r)}; the mock ${fmt(pctOfCore(used.cpuMs.mock!, used.wallMs), 0)} % of a core`);
      return r.reqPerSec;
    };
    const before = await h2load('before');
    // Not the baseline of the bar: what a plain node:http2 client, written the obvious way, costs per
    // request sending the same requests (a token of its own each, as Herald's) over the same
    // connections and streams. Beside h2load's few µs, it shows how much of the gap is Node's.
    const bareCpu = new CpuWatch({ mock: mock.pid });
    const bare = await runNodeH2Client({
      url: mock.info.url, ca: mock.info.ca!, count: o.deliveries, connections: o.connections, streams: o.streams, body: JSON.stringify({ aps: { alert: notification } }),
      headers: { authorization: keys.providerToken(), 'apns-topic': BUNDLE_ID, 'apns-push-type': 'alert', 'apns-priority': '10' },
    }, dir);
    const bareUsed = bareCpu.read();
    const bareUs = (1000 * bare.cpuMs) / bare.ok;
    console.log(`bare node:http2 client: ${int(bare.ok)} ok in ${fmt(bare.seconds, 2)} s = ${int(bare.reqPerSec)} req/s; its CPU ${fmt(bareUs, 1)} µs per request; the mock ${fmt(pctOfCore(bareUsed.cpuMs.mock!, bareUsed.wallMs), 0)} % of a core`);

    const nodeFlags = profileFlags(o.profile === 1, 'push-apns');
    herald = await startHerald({
      dir,
      nodeFlags,
      flags: {
        apns: JSON.stringify([{ 'bundle-id': BUNDLE_ID, 'base-url': mock.info.url, 'key-file': keys.keyFile, 'key-id': KEY_ID, 'team-id': TEAM_ID, 'ca-file': join(dir, 'apns-ca.pem'), connections: o.connections }]),
        ...(o.concurrency ? { 'push-concurrency': String(o.concurrency) } : {}), ...(o['threads-per-app'] ? { 'push-threads-per-app': String(o['threads-per-app']) } : {}),
        'api-key-request-limit-burst': '1000000',
      },
    });
    const key = await createKey(join(dir, 'herald.db'), ['push:send', 'push:read', 'stats:read']);
    const pushes = Math.ceil(o.deliveries / 1000);
    // Tokens made up front, so the clients spend the run sending.
    const batches = Array.from({ length: pushes }, (_, i) => Array.from({ length: Math.min(1000, o.deliveries - i * 1000) }, () => ({ provider: 'apns', token: randomBytes(32).toString('hex') })));
    const cpu = new CpuWatch({ herald: herald.pid, mock: mock.pid, harness: process.pid });
    const started = Date.now();
    let next = 0;
    const acceptMs: number[] = [];
    await Promise.all(Array.from({ length: o.clients }, async () => {
      for (let i = next++; i < pushes; i = next++) {
        const t = Date.now();
        const res = await api(herald!.url, key, 'POST', '/v1/push', { id: `bench-${i}`, to: { tokens: batches[i] }, notification });
        if (res.status !== 202) throw new Error(`push ${i} refused: ${res.status} ${JSON.stringify(res.json)}`);
        acceptMs.push(Date.now() - t);
      }
    }));
    const acceptedAt = Date.now();
    let outcomes = 0;
    let sent = 0;
    for (;;) {
      mock.assertAlive();
      const { json } = await api<{ by_provider: { apns?: Record<string, number> } }>(herald.url, key, 'GET', `/v1/push/stats?since=${Math.floor(started / 1000) - 60}`);
      const c = json.by_provider.apns ?? {};
      sent = c.sent ?? 0;
      outcomes = sent + (c.failed ?? 0) + (c.invalid_token ?? 0) + (c.dead ?? 0);
      if (outcomes >= o.deliveries) break;
      if (Date.now() - started > 30 * 60_000) throw new Error(`only ${outcomes} outcomes after 30 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (Date.now() - started) / 1000;
    const rate = o.deliveries / seconds;
    const used = cpu.read();
    await herald.stop();
    herald = undefined;
    const profiled = profileDir(nodeFlags);
    if (profiled) printProfile(profiled);
    const base = { reqPerSec: (before + (await h2load('after'))) / 2 };
    acceptMs.sort((a, b) => a - b);
    console.log(`herald: ${int(o.deliveries)} deliveries (${pushes} pushes of 1000 raw tokens) accepted in ${fmt((acceptedAt - started) / 1000, 2)} s (p50 ${acceptMs[Math.floor(acceptMs.length / 2)]} ms per push), all outcomes recorded in ${fmt(seconds, 2)} s = ${int(rate)} deliveries/s; ${int(sent)} sent`);
    // Two cores hold Herald, the mock and this harness: CPU per delivery shows who has to give.
    const perDelivery = (ms: number) => `${fmt((ms * 1000) / o.deliveries, 1)} µs`;
    console.log(`CPU per delivery: herald ${perDelivery(used.cpuMs.herald!)}, the mock ${perDelivery(used.cpuMs.mock!)}, this harness ${perDelivery(used.cpuMs.harness!)}; machine ${fmt(100 * used.machineBusy, 0)} % busy`);
    console.log(`  Herald's whole pipeline (accept, route, ledger, queue, send, record) ${perDelivery(used.cpuMs.herald!)} per delivery against the plain node:http2 client's ${fmt(bareUs, 1)} µs per request`);
    const ratio = rate / base.reqPerSec;
    console.log(`ratio herald/h2load (mean of before and after) = ${fmt(ratio)}`);
    bar('push-apns', ratio >= 0.5, `herald ${int(rate)} deliveries/s vs h2load ${int(base.reqPerSec)} req/s = ${fmt(ratio)} (bar >= 0.5)`);
    bar('push-apns complete', sent === o.deliveries, `${int(sent)} of ${int(o.deliveries)} sent`);
    return 0;
  } finally {
    await herald?.stop();
    await mock?.stop();
    tmp.remove();
  }
}
