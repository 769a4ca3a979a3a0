import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFcmAccessToken } from '../src/adapters/providers/fcm/access-token.js';
import { seedDevices } from '../test/helpers/seed-devices.js';
import { CpuWatch, pctOfCore, threadCpuMs, type CpuShares } from './lib/cpu.js';
import { printProfile, profileDir } from './lib/profile.js';
import { makeTmpDir, profileFlags } from './lib/proc.js';
import { broadcastAppFlags, BUNDLE_ID, createKey, h2loadCpuText, peakRssKiB, requireH2load, runH2load, startBroadcastMocks, timeBroadcast, type MockChild } from './lib/push.js';
import { startHerald, type ServerChild } from './lib/servers.js';
import { bar, fmt, int, parseOptions } from './lib/stats.js';

/**
 * `broadcast`: N registered devices (APNs and FCM mocks, each its own process) on one topic; the
 * time from POST /v1/push to every outcome recorded, and Herald's peak RSS. Baseline, same run:
 * h2load sending the same number of requests to the same two mocks at once, over as many
 * connections and streams as Herald uses. Bars: <= 90 s and <= 1 GiB for 1,000,000 devices.
 */
export async function main(args: string[]): Promise<number> {
  const o = parseOptions(args, { devices: 1_000_000, 'fcm-share': 0.5, connections: 2, streams: 500, concurrency: 0, 'threads-per-app': 0, profile: 0 });
  requireH2load();
  const tmp = makeTmpDir('broadcast');
  const mocks: MockChild[] = [];
  let herald: ServerChild | undefined;
  try {
    const { dir } = tmp;
    const m = await startBroadcastMocks(dir, o.streams);
    const { apns, fcm, keys } = m;
    mocks.push(apns, fcm);

    let t = Date.now();
    const devices = await seedDevices(join(dir, 'herald.db'), { count: o.devices, topic: 'everyone', fcmShare: o['fcm-share'] });
    const fcmCount = devices.filter((d) => d.provider === 'fcm').length;
    const apnsCount = devices.length - fcmCount;
    console.log(`broadcast: seeded ${int(devices.length)} devices (${int(apnsCount)} APNs, ${int(fcmCount)} FCM) in ${fmt((Date.now() - t) / 1000, 1)} s`);
    const key = await createKey(join(dir, 'herald.db'), ['push:send', 'push:read']);

    // Baseline: the same requests, straight from h2load, to both mocks at once.
    const apnsBody = join(dir, 'apns.json');
    writeFileSync(apnsBody, JSON.stringify({ aps: { alert: { title: 'Broadcast', body: 'To everyone' } } }));
    const fcmBody = join(dir, 'fcm.json');
    writeFileSync(fcmBody, JSON.stringify({ message: { token: devices.find((d) => d.provider === 'fcm')?.token ?? 'x', notification: { title: 'Broadcast', body: 'To everyone' } } }));
    const account = fcm.info.serviceAccount as Parameters<typeof createFcmAccessToken>[0];
    const accessToken = await createFcmAccessToken(account, { now: () => Date.now() }, { ca: fcm.info.ca! }).get();
    const apnsToken = devices.find((d) => d.provider === 'apns')!.token;
    const common = ['-c', String(o.connections), '-m', String(o.streams), '-t', '1'];
    t = Date.now();
    const baseCpu = new CpuWatch({ apns: apns.pid, fcm: fcm.pid });
    const [apnsBase, fcmBase] = await Promise.all([
      apnsCount > 0 ? runH2load(['-n', String(apnsCount), ...common, '-H', `authorization: ${keys.providerToken()}`, '-H', `apns-topic: ${BUNDLE_ID}`, '-H', 'apns-push-type: alert', '-d', apnsBody, `${apns.info.url}/3/device/${apnsToken}`]) : undefined,
      fcmCount > 0 ? runH2load(['-n', String(fcmCount), ...common, '-H', `authorization: Bearer ${accessToken}`, '-H', 'content-type: application/json', '-d', fcmBody, `${fcm.info.url}/v1/projects/${account.project_id}/messages:send`]) : undefined,
    ]);
    const baselineS = (Date.now() - t) / 1000;
    const baseUsed = baseCpu.read();
    console.log(`baseline h2load: ${fmt(baselineS, 1)} s for ${int(devices.length)} requests (APNs ${apnsBase ? `${int(apnsBase.reqPerSec)} req/s, ${int(apnsBase.succeeded)} ok, ${h2loadCpuText(apnsBase)}` : '-'}; FCM ${fcmBase ? `${int(fcmBase.reqPerSec)} req/s, ${int(fcmBase.succeeded)} ok, ${h2loadCpuText(fcmBase)}` : '-'})`);
    console.log(`  during h2load: ${cpuText(baseUsed, devices.length)}`);

    const nodeFlags = profileFlags(o.profile === 1, 'broadcast');
    herald = await startHerald({ dir, nodeFlags, flags: { 'log-level': 'warn', ...broadcastAppFlags(m, o.connections), ...(o.concurrency ? { 'push-concurrency': String(o.concurrency) } : {}), ...(o['threads-per-app'] ? { 'push-threads-per-app': String(o['threads-per-app']) } : {}) } });
    const cpu = new CpuWatch({ herald: herald.pid, apns: apns.pid, fcm: fcm.pid });
    const threadsBefore = threadCpuMs(herald.pid);
    const { view, elapsedS } = await timeBroadcast(herald.url, key, 'broadcast-bench', 'everyone', mocks);
    const used = cpu.read();
    console.log(`  during herald: ${cpuText(used, devices.length)}`);
    console.log(`  herald's threads: ${threadsText(herald.pid, threadsBefore, devices.length)}`);
    const peakMiB = peakRssKiB(herald.pid) / 1024;
    // The profiles (main thread and each delivery thread) are written when Herald exits.
    const profiled = profileDir(nodeFlags);
    if (profiled) {
      await herald.stop();
      herald = undefined;
      printProfile(profiled);
    }
    console.log(`herald: ${int(view.targets)} targets, ${int(view.counts.sent ?? 0)} sent, ${int(view.counts.failed ?? 0)} failed, ${int(view.counts.dead ?? 0)} dead in ${fmt(elapsedS, 1)} s (${int(view.targets / elapsedS)} deliveries/s); peak RSS ${fmt(peakMiB, 0)} MiB`);
    console.log(`ratio herald/h2load time = ${fmt(elapsedS / baselineS)}`);
    const scale = o.devices / 1_000_000;
    bar('broadcast time', elapsedS <= 90 * scale, `${fmt(elapsedS, 1)} s for ${int(o.devices)} devices (bar ${fmt(90 * scale, 1)} s)`);
    bar('broadcast peak RSS', peakMiB <= 1024, `${fmt(peakMiB, 0)} MiB (bar 1024 MiB)`);
    bar('broadcast complete', view.counts.sent === o.devices, `${int(view.counts.sent ?? 0)} of ${int(o.devices)} sent`);
    return 0;
  } finally {
    await herald?.stop();
    await Promise.all(mocks.map((m) => m.stop()));
    tmp.remove();
  }
}

/** Where the CPU went over a phase: each process's share of a core and µs per request, and the machine. */
function cpuText(c: CpuShares, requests: number): string {
  const each = Object.entries(c.cpuMs).map(([name, ms]) => `${name} ${fmt(pctOfCore(ms, c.wallMs), 0)} % of a core (${fmt((1000 * ms) / Math.max(1, requests), 1)} µs per delivery)`);
  return `${each.join(', ')}; machine ${fmt(100 * c.machineBusy, 0)} % busy`;
}

/** Herald's main thread and its busiest other threads (delivery threads, GC helpers), in µs per delivery. */
function threadsText(pid: number, before: Map<number, number>, deliveries: number): string {
  const used = [...threadCpuMs(pid)].map(([tid, ms]) => ({ tid, ms: ms - (before.get(tid) ?? 0) }));
  const main = used.find((t) => t.tid === pid);
  const others = used.filter((t) => t.tid !== pid && t.ms > 0).sort((a, b) => b.ms - a.ms);
  const us = (ms: number) => fmt((1000 * ms) / Math.max(1, deliveries), 1);
  const rest = others.slice(4).reduce((n, t) => n + t.ms, 0);
  return `main ${us(main?.ms ?? 0)} µs per delivery; busiest others ${others.slice(0, 4).map((t) => us(t.ms)).join(', ')} µs; ${others.length - Math.min(4, others.length)} more ${us(rest)} µs`;
}
