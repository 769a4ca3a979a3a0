/**
 * Runs the Web Push mock as its own process for benchmarks:
 *   node dist/test/mocks/webpush/main.js [--port N] [--tls] [--delay-ms N] [--record] [--no-decrypt]
 *                                        [--subscriptions N --out subscriptions.json]
 * With --subscriptions it first creates N subscriptions and writes them to --out as a JSON array
 * of `{endpoint, keys: {p256dh, auth}}`. Prints one JSON line `{"url": "http://127.0.0.1:PORT"}`
 * (plus `"ca"` with --tls) once listening and runs until SIGTERM. Recording is off unless --record.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startWebPushMock } from './webpush-mock.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    tls: { type: 'boolean', default: false },
    'delay-ms': { type: 'string', default: '0' },
    record: { type: 'boolean', default: false },
    'no-decrypt': { type: 'boolean', default: false },
    subscriptions: { type: 'string', default: '0' },
    out: { type: 'string' },
  },
});

const mock = await startWebPushMock({
  port: Number(values.port),
  tls: values.tls,
  delayMs: Number(values['delay-ms']),
  record: values.record,
  decrypt: !values['no-decrypt'],
});
const count = Number(values.subscriptions);
if (count > 0) {
  if (values.out === undefined) throw new Error('--subscriptions needs --out FILE');
  const list = Array.from({ length: count }, () => {
    const { endpoint, keys } = mock.createSubscription();
    return { endpoint, keys };
  });
  writeFileSync(values.out, JSON.stringify(list));
}
process.stdout.write(`${JSON.stringify(mock.ca === undefined ? { url: mock.url } : { url: mock.url, ca: mock.ca })}\n`);
const stop = (): void => void mock.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
