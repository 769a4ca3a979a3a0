import { join } from 'node:path';
import { seedDevices } from '../test/helpers/seed-devices.js';
import { CORES, CpuWatch, pctOfCore } from './lib/cpu.js';
import { HarnessError, makeTmpDir, profileFlags } from './lib/proc.js';
import { api, broadcastAppFlags, createKey, startBroadcastMocks, waitDone, type MockChild, type PushView } from './lib/push.js';
import { startHerald, type ServerChild } from './lib/servers.js';
import { bar, fmt, int, parseOptions, table } from './lib/stats.js';

const TOPIC = 'everyone';
/** b/a: the Centrifugo face may cost little over /v1/push for the same broadcast. */
const FACE_BAR = 0.9;
/** c/b: rendering a template per device may at most halve the rate. */
const TEMPLATING_BAR = 0.5;
/** A mix of languages, some without a translation and some devices without a locale. */
const LOCALES = ['en-US', 'pt-BR', 'fr-FR', 'de-DE', 'es-ES', null];

/** The same provider payloads for every variant, so the faces differ and the sends do not. */
const APNS = { payload: { aps: { alert: { title: 'Broadcast', body: 'To everyone' } } } };
const FCM = { message: { notification: { title: 'Broadcast', body: 'To everyone' } } };
/** Centrifugo's template form: a default in [[…]], then the translation of the device's language. */
const TITLE = '{{default [[Broadcast]] .l10n.title}}';
const LOCALIZATIONS = {
  pt: { translations: { title: 'Transmissão' } },
  fr: { translations: { title: 'Diffusion' } },
  de: { translations: { title: 'Rundsendung' } },
};

/** A body different for every device: one rendering and one encoding per device, the costliest case. */
const PERSONAL_BODY = 'For device {{.device.id}}';

type Variant = 'a' | 'b' | 'c' | 'd';
const DESCRIPTION: Record<Variant, string> = {
  a: 'POST /v1/push to.topics',
  b: 'POST /api/send_push_notification recipient.filter.topics',
  c: 'the same with use_templating + localizations',
  d: 'c with a body rendered per device ({{.device.id}})',
};

interface Run {
  variant: Variant;
  elapsedS: number;
  deliveries: number;
  sent: number;
  heraldPct: number;
  mocksPct: number;
  harnessPct: number;
  machinePct: number;
}

/**
 * `centrifugo-broadcast`: N registered devices (APNs and FCM mocks, each its own process) on one
 * topic, and one push to all of them sent three ways on one server, alternating: (a) POST /v1/push
 * to the topic, (b) Centrifugo's send_push_notification with a topic filter, (c) the same with
 * templating and localizations, (d) as (c) with a body rendered for each device. Each is timed
 * from the request to the push's last outcome. Bars: b/a >= 0.9, c/b and d/b >= 0.5 in
 * deliveries/s (medians).
 */
export async function main(args: string[]): Promise<number> {
  const o = parseOptions(args, { devices: 100_000, 'fcm-share': 0.5, runs: 3, connections: 2, streams: 500, profile: 0 });
  const tmp = makeTmpDir('centrifugo-broadcast');
  const mocks: MockChild[] = [];
  let herald: ServerChild | undefined;
  try {
    const { dir } = tmp;
    const m = await startBroadcastMocks(dir, o.streams);
    mocks.push(m.apns, m.fcm);

    const t = Date.now();
    const devices = await seedDevices(join(dir, 'herald.db'), { count: o.devices, topic: TOPIC, fcmShare: o['fcm-share'], locales: LOCALES });
    const fcmCount = devices.filter((d) => d.provider === 'fcm').length;
    console.log(`centrifugo-broadcast: seeded ${int(devices.length)} devices (${int(devices.length - fcmCount)} APNs, ${int(fcmCount)} FCM; locales ${LOCALES.map((l) => l ?? 'none').join(', ')}) in ${fmt((Date.now() - t) / 1000, 1)} s`);
    const key = await createKey(join(dir, 'herald.db'), ['push:send', 'push:read']);

    herald = await startHerald({ dir, nodeFlags: profileFlags(o.profile === 1, 'centrifugo-broadcast'), flags: { 'log-level': 'warn', ...broadcastAppFlags(m, o.connections) } });
    const url = herald.url;
    const send = sender(url, key);

    // A send to a topic nobody follows says whether the server templates, at no cost.
    const probe = await send('c', `probe-${Date.now()}`, 'nobody-follows-this');
    const templating = !probe.error;
    if (probe.error?.code === 108) console.log(`variant c skipped: templating not available (108: ${probe.error.message})`);
    else if (probe.error) console.log(`variant c skipped: the templated send was refused (${probe.error.code}: ${probe.error.message})`);
    else await waitDone(url, key, probe.id, 60_000);

    const variants: Variant[] = templating ? ['a', 'b', 'c', 'd'] : ['a', 'b'];
    const runs: Run[] = [];
    for (let round = 0; round < o.runs; round++) {
      // Each round starts with another variant, so none always runs on the emptiest ledger.
      const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
      for (const variant of order) {
        const id = `${variant}-${round}-${Date.now()}`;
        const cpu = new CpuWatch({ herald: herald.pid, apns: m.apns.pid, fcm: m.fcm.pid, harness: process.pid });
        const started = Date.now();
        const answer = await send(variant, id, TOPIC);
        if (answer.error) throw new HarnessError(`variant ${variant} refused: ${JSON.stringify(answer.error)}`);
        const { view, doneAt } = await waitDone(url, key, answer.id, 30 * 60_000, undefined, mocks);
        const used = cpu.read();
        const run: Run = {
          variant, elapsedS: (doneAt - started) / 1000, deliveries: view.targets, sent: view.counts.sent ?? 0,
          heraldPct: pctOfCore(used.cpuMs.herald!, used.wallMs),
          mocksPct: pctOfCore(used.cpuMs.apns! + used.cpuMs.fcm!, used.wallMs),
          harnessPct: pctOfCore(used.cpuMs.harness!, used.wallMs),
          machinePct: used.machineBusy * 100,
        };
        runs.push(run);
        console.log(`  round ${round + 1} ${variant}: ${int(run.deliveries)} deliveries, ${int(run.sent)} sent in ${fmt(run.elapsedS, 2)} s (${int(run.deliveries / run.elapsedS)}/s)`);
        assertComplete(view, o.devices, variant);
      }
    }

    const rate = (v: Variant) => median(runs.filter((r) => r.variant === v).map((r) => r.deliveries / r.elapsedS));
    const cpuOf = (v: Variant, f: (r: Run) => number) => median(runs.filter((r) => r.variant === v).map(f));
    console.log(`\n${int(o.devices)} devices, ${o.runs} runs per variant, medians; CPU in % of one core (${CORES} cores):`);
    console.log(table([
      ['variant', 'deliveries/s', 'time s', 'herald', 'mocks', 'harness', 'machine busy'],
      ...variants.map((v) => [
        `${v}: ${DESCRIPTION[v]}`, int(rate(v)), fmt(cpuOf(v, (r) => r.elapsedS)),
        `${fmt(cpuOf(v, (r) => r.heraldPct), 0)}%`, `${fmt(cpuOf(v, (r) => r.mocksPct), 0)}%`, `${fmt(cpuOf(v, (r) => r.harnessPct), 0)}%`, `${fmt(cpuOf(v, (r) => r.machinePct), 0)}%`,
      ]),
    ]));
    const faceRatio = rate('b') / rate('a');
    console.log(`ratio b/a = ${fmt(faceRatio)}`);
    bar('Centrifugo face vs /v1/push', faceRatio >= FACE_BAR, `b/a ${fmt(faceRatio)} (bar >= ${FACE_BAR})`);
    if (templating) {
      const templatingRatio = rate('c') / rate('b');
      console.log(`ratio c/b = ${fmt(templatingRatio)}`);
      bar('templated vs plain face send', templatingRatio >= TEMPLATING_BAR, `c/b ${fmt(templatingRatio)} (bar >= ${TEMPLATING_BAR})`);
      const personalRatio = rate('d') / rate('b');
      console.log(`ratio d/b = ${fmt(personalRatio)}`);
      bar('rendered per device vs plain face send', personalRatio >= TEMPLATING_BAR, `d/b ${fmt(personalRatio)} (bar >= ${TEMPLATING_BAR})`);
    } else {
      console.log(`ratio c/b: skipped: ${probe.error?.code === 108 ? 'templating not available (108)' : `templated send refused (${probe.error?.code})`}`);
    }
    return 0;
  } finally {
    await herald?.stop();
    await Promise.all(mocks.map((mock) => mock.stop()));
    tmp.remove();
  }
}

/** Sends one variant's push to a topic; answers the push id, or the face's error. */
function sender(url: string, key: string) {
  return async (variant: Variant, id: string, topic: string): Promise<{ id: string; error?: { code: number; message: string } }> => {
    if (variant === 'a') {
      const res = await api<{ id: string }>(url, key, 'POST', '/v1/push', { id, to: { topics: [topic] }, apns: APNS, fcm: FCM });
      if (res.status !== 202) throw new HarnessError(`POST /v1/push answered ${res.status} ${JSON.stringify(res.json)}`);
      return { id: res.json.id };
    }
    const templated = variant === 'c' || variant === 'd';
    const body = variant === 'd' ? PERSONAL_BODY : 'To everyone';
    const request = {
      uid: id,
      recipient: { filter: { topics: [topic] } },
      notification: templated
        ? { apns: { payload: { aps: { alert: { title: TITLE, body } } } }, fcm: { message: { notification: { title: TITLE, body } } } }
        : { apns: APNS, fcm: FCM },
      ...(templated ? { use_templating: true, localizations: LOCALIZATIONS } : {}),
    };
    const res = await fetch(`${url}/api/send_push_notification`, { method: 'POST', headers: { 'X-API-Key': key, 'content-type': 'application/json' }, body: JSON.stringify(request) });
    const json = await res.json() as { result?: { uid: string }; error?: { code: number; message: string } };
    if (json.error) return { id, error: json.error };
    if (res.status !== 200 || !json.result) throw new HarnessError(`send_push_notification answered ${res.status} ${JSON.stringify(json)}`);
    return { id: json.result.uid };
  };
}

/** A run that did not reach every device measured something else than this broadcast. */
function assertComplete(view: PushView, devices: number, variant: Variant): void {
  if (view.targets !== devices || (view.counts.sent ?? 0) !== devices) {
    throw new HarnessError(`variant ${variant}: ${view.targets} targets, ${view.counts.sent ?? 0} sent of ${devices} devices: ${JSON.stringify(view.counts)}`);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
