/**
 * Runs the HMS mock as its own process for benchmarks:
 *   node dist/test/mocks/hms/main.js [--port N] [--delay-ms N] [--record] [--app-id ID] [--client-id ID] [--client-secret S]
 * Prints one JSON line `{"url","ca","appId","clientId","clientSecret","tokenUrl"}` once listening
 * and runs until SIGTERM. Recording is off unless `--record` is given.
 */
import { parseArgs } from 'node:util';
import { startHmsMock } from './hms-mock.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'delay-ms': { type: 'string', default: '0' },
    record: { type: 'boolean', default: false },
    'app-id': { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
  },
});

const mock = await startHmsMock({
  port: Number(values.port),
  delayMs: Number(values['delay-ms']),
  record: values.record,
  ...(values['app-id'] !== undefined ? { appId: values['app-id'] } : {}),
  ...(values['client-id'] !== undefined ? { clientId: values['client-id'] } : {}),
  ...(values['client-secret'] !== undefined ? { clientSecret: values['client-secret'] } : {}),
});
process.stdout.write(
  `${JSON.stringify({ url: mock.url, ca: mock.ca, appId: mock.appId, clientId: mock.clientId, clientSecret: mock.clientSecret, tokenUrl: mock.tokenUrl })}\n`,
);
const stop = (): void => void mock.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
