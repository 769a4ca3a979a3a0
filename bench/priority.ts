import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedDevices } from '../test/helpers/seed-devices.js';
import { makeTmpDir, profileFlags, sleep } from './lib/proc.js';
import { api, apnsKeys, BUNDLE_ID, createKey, KEY_ID, startMock, TEAM_ID, type MockChild, type PushView } from './lib/push.js';
import { startHerald, type ServerChild } from './lib/servers.js';
import { bar, fmt, int, parseOptions, percentile } from './lib/stats.js';

/**
 * `priority`: while a broadcast to N devices is in flight, `high` pushes to one device. Measures
 * the accept latency of POST /v1/push and the time from the request to the provider accepting
 * the push (the delivery's sent_at), against the same pushes on the idle server in the same run.
 * Bars (N = 1,000,000): accept p99 <= 100 ms, time to send p99 <= 500 ms while the broadcast runs.
 */
export async function main(args: string[]): Promise<number> {
  const o = parseOptions(args, { devices: 1_000_000, pushes: 50, 'interval-ms': 100, profile: 0 });
  const tmp = makeTmpDir('priority');
  const mocks: MockChild[] = [];
  let herald: ServerChild | undefined;
  try {
    const { dir } = tmp;
    const keys = apnsKeys(dir);
    const apns = await startMock('apns', ['--port', '0', '--key-id', KEY_ID, '--team-id', TEAM_ID, '--public-key-file', keys.publicKeyFile, '--bundle-id', BUNDLE_ID, '--record', '0'], dir);
    const fcm = await startMock('fcm', ['--port', '0', '--record', '0', '--max-streams', '500'], dir);
    mocks.push(apns, fcm);
    writeFileSync(join(dir, 'apns-ca.pem'), apns.info.ca!);
    writeFileSync(join(dir, 'fcm-ca.pem'), fcm.info.ca!);
    writeFileSync(join(dir, 'service-account.json'), JSON.stringify(fcm.info.serviceAccount));
    await seedDevices(join(dir, 'herald.db'), { count: o.devices, topic: 'everyone', fcmShare: 0.5 });
    const key = await createKey(join(dir, 'herald.db'), ['push:send', 'push:read', 'devices:write']);
    herald = await startHerald({
      dir,
      nodeFlags: [...profileFlags(o.profile === 1, 'priority'), ...(process.env.HERALD_BENCH_TRACE_GC ? ['--trace-gc'] : [])],
      flags: {
        apns: JSON.stringify([{ 'bundle-id': BUNDLE_ID, 'base-url': apns.info.url, 'key-file': keys.keyFile, 'key-id': KEY_ID, 'team-id': TEAM_ID, 'ca-file': join(dir, 'apns-ca.pem') }]),
        fcm: JSON.stringify([{ 'service-account-file': join(dir, 'service-account.json'), 'base-url': fcm.info.url, 'ca-file': join(dir, 'fcm-ca.pem') }]),
        'api-key-request-limit-burst': '1000000',
        'enable-metrics': 'true',
      },
    });
    const vip = await api<{ id: string }>(herald.url, key, 'POST', '/v1/devices', { provider: 'apns', token: randomBytes(32).toString('hex'), user: 'vip' });
    if (vip.status !== 201) throw new Error(`vip registration failed: ${vip.status}`);

    // Warm up: the first send starts the sender thread and opens the provider connection.
    await highPushes(herald.url, key, vip.json.id, 3, o['interval-ms'], 'warmup');
    const idle = await highPushes(herald.url, key, vip.json.id, o.pushes, o['interval-ms'], 'idle');
    report('idle', idle);

    const broadcast = await api(herald.url, key, 'POST', '/v1/push', { id: 'the-broadcast', to: { topics: ['everyone'] }, notification: { title: 'Broadcast', body: 'To everyone' } });
    if (broadcast.status !== 202) throw new Error(`broadcast refused: ${broadcast.status}`);
    // Measure once it is really going: routing done in part and sends under way.
    for (;;) {
      const { json } = await api<PushView>(herald.url, key, 'GET', '/v1/push/the-broadcast');
      if ((json.counts.sent ?? 0) >= Math.min(20_000, o.devices / 10)) break;
      await sleep(100);
    }
    const lag = setInterval(() => void eventLoopLag(herald!.url).then((l) => console.log(`  event loop lag ${l}`)), 1000);
    const loaded = await highPushes(herald.url, key, vip.json.id, o.pushes, o['interval-ms'], 'loaded');
    clearInterval(lag);
    const { json: after } = await api<PushView>(herald.url, key, 'GET', '/v1/push/the-broadcast');
    report('during broadcast', loaded);
    console.log(`broadcast when done measuring: ${after.state}, ${int(after.targets)} routed, ${int(after.counts.sent ?? 0)} sent`);
    const acceptP99 = percentile(loaded.accept, 99);
    const sendP99 = percentile(loaded.send, 99);
    console.log(`ratio loaded/idle: accept p99 ${fmt(acceptP99 / percentile(idle.accept, 99))}, time to send p99 ${fmt(sendP99 / percentile(idle.send, 99))}`);
    bar('priority accept p99', acceptP99 <= 100, `${fmt(acceptP99, 1)} ms during a ${int(o.devices)}-device broadcast (bar 100 ms)`);
    bar('priority time to send p99', sendP99 <= 500, `${fmt(sendP99, 1)} ms during a ${int(o.devices)}-device broadcast (bar 500 ms)`);
    return 0;
  } finally {
    await herald?.stop();
    await Promise.all(mocks.map((m) => m.stop()));
    if (process.env.HERALD_BENCH_KEEP === "1") console.log(`kept ${tmp.dir}`);
    else tmp.remove();
  }
}

/** The server's own event-loop delay figures (prom-client's nodejs_eventloop_lag_*), for the report. */
async function eventLoopLag(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const get = (name: string) => Number(new RegExp(`^nodejs_eventloop_lag_${name}_seconds (\\S+)`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return `p50 ${fmt(get('p50'), 1)} ms, p99 ${fmt(get('p99'), 1)} ms, max ${fmt(get('max'), 1)} ms`;
}

interface Samples {
  accept: number[];
  send: number[];
}

/** `count` high pushes to one device, `intervalMs` apart; each is followed until sent. */
async function highPushes(url: string, key: string, device: string, count: number, intervalMs: number, tag: string): Promise<Samples> {
  const accept: number[] = [];
  const send: number[] = [];
  const runs: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    runs.push((async () => {
      const t0 = Date.now();
      const res = await api<{ id: string }>(url, key, 'POST', '/v1/push', { id: `${tag}-${i}`, to: { devices: [device] }, priority: 'high', notification: { title: 'Your code', body: '123456' } });
      accept.push(Date.now() - t0);
      if (res.status !== 202) throw new Error(`high push refused: ${res.status}`);
      for (;;) {
        const { json } = await api<{ deliveries: { state: string; sent_at?: string }[] }>(url, key, 'GET', `/v1/push/${tag}-${i}/deliveries`);
        const d = json.deliveries[0];
        if (d?.sent_at) {
          send.push(Date.parse(d.sent_at) - t0);
          return;
        }
        if (Date.now() - t0 > 60_000) throw new Error(`high push ${tag}-${i} not sent after 60 s`);
        // Polling is load on the server too; sent_at, not the poll, gives the time.
        await sleep(100);
      }
    })());
    await sleep(intervalMs);
  }
  await Promise.all(runs);
  accept.sort((a, b) => a - b);
  send.sort((a, b) => a - b);
  return { accept, send };
}

function report(label: string, s: Samples): void {
  console.log(`${label.padEnd(17)} accept p50 ${fmt(percentile(s.accept, 50), 1)} ms, p99 ${fmt(percentile(s.accept, 99), 1)} ms; time to send p50 ${fmt(percentile(s.send, 50), 1)} ms, p99 ${fmt(percentile(s.send, 99), 1)} ms (${s.accept.length} pushes)`);
}
