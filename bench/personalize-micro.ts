/**
 * Micro-benchmark of per-device payload templating, without I/O: what the deliverer adds per
 * device to a templated push (render every template string, look up or make its encoding) next
 * to the plain push (one encoding per push). Chunks of 250 as the deliverer claims them, the
 * real FCM encoder. Run after `npm run build`:
 *
 *   node dist/bench/personalize-micro.js [--devices 100000]
 */
import { parseArgs } from 'node:util';
import { encodeFcmPush } from '../src/adapters/providers/fcm/encoded-push.js';
import { normalizePersonalization, Personalizer } from '../src/core/push/personalize.js';
import type { DeviceRecord } from '../src/ports/device-store.js';
import type { PushContent, PushSender } from '../src/ports/push-sender.js';
import type { ClaimedDelivery } from '../src/ports/push-store.js';

const { values } = parseArgs({ options: { devices: { type: 'string', default: '100000' } } });
const DEVICES = Number(values.devices);
const CHUNK = 250;
const LOCALES = ['pt-BR', 'fr-FR', 'de-DE', 'en-US', 'es', null];

const sender: PushSender = {
  provider: 'fcm', app: 'default',
  encode: (content) => encodeFcmPush(content),
  send: async (_push, targets) => targets.map(() => ({ kind: 'ok' as const })),
  close: async () => {},
};

const devices: DeviceRecord[] = Array.from({ length: DEVICES }, (_, i) => ({
  id: `dev_${String(i).padStart(16, '0')}`, app: 'default', provider: 'fcm', platform: 'android', token: `tok-${i}`, keys: null,
  user: `user-${i}`, topics: [], locale: LOCALES[i % LOCALES.length]!, timezone: null, meta: { first_name: `Name${i}` },
  state: 'active', invalidReason: null, createdAt: 0, updatedAt: 0, lastSeenAt: 0,
}));
const claimed: ClaimedDelivery[] = devices.map((d) => ({ target: d.id, deviceId: d.id, provider: 'fcm', app: 'default', token: d.token, p256dh: null, auth: null, attempts: 1 }));

const message = (title: string) => ({ notification: { title, body: 'Your order has shipped and is on its way' }, data: { kind: 'order', id: '42' } });
const settings = normalizePersonalization({ useMeta: true, localizations: { pt: { greeting: 'Olá' }, fr: { greeting: 'Bonjour' }, de: { greeting: 'Hallo' }, es: { greeting: 'Hola' } } });
const content = (title: string, personalize: boolean): PushContent => ({
  id: 'p1', notification: {}, overrides: { fcm: { message: message(title) } }, priority: 'normal', ...(personalize ? { personalize: settings } : {}),
});

/** ns per device for one pass over every chunk; `work` handles one chunk. */
function measure(name: string, work: (chunk: ClaimedDelivery[], devices: Map<string, DeviceRecord>) => void): number {
  const chunks: [ClaimedDelivery[], Map<string, DeviceRecord>][] = [];
  for (let i = 0; i < DEVICES; i += CHUNK) {
    const slice = claimed.slice(i, i + CHUNK);
    chunks.push([slice, new Map(devices.slice(i, i + CHUNK).map((d) => [d.id, d]))]);
  }
  for (const [c, d] of chunks.slice(0, 20)) work(c, d); // warm-up
  const start = process.hrtime.bigint();
  for (const [c, d] of chunks) work(c, d);
  const ns = Number(process.hrtime.bigint() - start) / DEVICES;
  console.log(`${name.padEnd(52)} ${ns.toFixed(0).padStart(6)} ns/device  (${(DEVICES / (ns * DEVICES / 1e9)).toFixed(0)} devices/s)`);
  return ns;
}

const plain = content('Hello, your order shipped', false);
let sink = 0;
measure('plain: one encoding per push, targets per chunk', (chunk) => {
  const encoded = encodeFcmPush(plain);
  sink += encoded.bytes + chunk.map((c) => ({ token: c.token, keys: null })).length;
});
const byLocale = content('{{default [[Hello]] .l10n.greeting}}, your order shipped', true);
const p1 = new Personalizer();
measure('templated by locale only (6 renderings in all)', (chunk, map) => {
  sink += p1.prepare(byLocale, sender, chunk, map).encodings;
});
const perDevice = content('{{default [[Hello]] .l10n.greeting}}, {{.device.meta.first_name}}!', true);
const p2 = new Personalizer();
measure('templated per device (meta): one encoding per device', (chunk, map) => {
  sink += p2.prepare(perDevice, sender, chunk, map).encodings;
});
console.log(sink > 0 ? '' : 'nothing measured');
