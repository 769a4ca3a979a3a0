import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type ClientHttp2Session } from 'node:http2';

/**
 * A bare node:http2 client, run as its own process: `count` POSTs with fixed headers and body, one
 * random 64-hex device token per request in the path, `streams` in flight on each of `connections`
 * sessions. It prints one JSON line: the time the sends took and the CPU this process used for them.
 * It shows what Node's own HTTP/2 client costs per request when used the obvious way.
 *   node dist/bench/clients/h2-client.js <settings.json>
 */
interface Settings {
  url: string;
  ca: string;
  count: number;
  connections: number;
  streams: number;
  /** Request headers besides the pseudo-headers. */
  headers: Record<string, string>;
  body: string;
}

const settings = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Settings;
// Paths made before the clock starts, so the figures are the client's sending alone.
const paths = Array.from({ length: settings.count }, () => `/3/device/${randomBytes(32).toString('hex')}`);
const body = Buffer.from(settings.body);

const sessions = await Promise.all(Array.from({ length: settings.connections }, () => new Promise<ClientHttp2Session>((resolve, reject) => {
  const session = connect(settings.url, { ca: settings.ca });
  session.once('connect', () => resolve(session));
  session.once('error', reject);
})));

let next = 0;
let ok = 0;
let failed = 0;
const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();

/** One stream after another on `session` until every request has been handed out. */
function lane(session: ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => {
    const sendNext = (): void => {
      if (next >= paths.length) {
        resolve();
        return;
      }
      const stream = session.request({ ':method': 'POST', ':path': paths[next++]!, ...settings.headers });
      let status = 0;
      stream.on('response', (headers) => {
        status = Number(headers[':status']);
      });
      stream.on('data', () => {});
      stream.on('close', () => {
        if (status === 200) ok++;
        else failed++;
        sendNext();
      });
      stream.end(body);
    };
    sendNext();
  });
}

await Promise.all(sessions.flatMap((session) => Array.from({ length: settings.streams }, () => lane(session))));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuBefore);
for (const session of sessions) session.close();
console.log(JSON.stringify({ ok, failed, seconds, cpuMs: (cpu.user + cpu.system) / 1000 }));
