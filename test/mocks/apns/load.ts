import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createApnsSender } from '../../../src/adapters/providers/apns/sender.js';

/**
 * A by-hand throughput check, not a test: starts the APNs mock as its own process (main.js, no
 * recording) and pushes `--count` deliveries through one sender in batches of `--batch`.
 *   node dist/test/mocks/apns/load.js [--count 50000] [--batch 5000] [--connections 1] [--max-streams 1000]
 */
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '50000' },
    batch: { type: 'string', default: '5000' },
    connections: { type: 'string', default: '1' },
    'max-streams': { type: 'string', default: '1000' },
  },
});
const count = Number(values.count);
const batch = Number(values.batch);

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const dir = mkdtempSync(join(tmpdir(), 'herald-apns-load-'));
const keyFile = join(dir, 'key.pem');
writeFileSync(keyFile, publicKey.export({ type: 'spki', format: 'pem' }) as string);

const main = fileURLToPath(new URL('./main.js', import.meta.url));
const child = spawn(process.execPath, [main, '--port', '0', '--key-id', 'ABC1234567', '--team-id', 'TEAM123456', '--public-key-file', keyFile,
  '--bundle-id', 'com.example.app', '--max-streams', String(values['max-streams']), '--record', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
const { url, ca } = JSON.parse(line) as { url: string; ca: string };

const sender = createApnsSender({
  app: 'load',
  baseUrl: url,
  bundleId: 'com.example.app',
  auth: { kind: 'token', keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, keyId: 'ABC1234567', teamId: 'TEAM123456' },
  ca,
  connections: Number(values.connections),
  clock: { now: () => Date.now() },
});
const push = sender.encode({ id: 'load', notification: { title: 'Load test', body: 'Hello from Herald', sound: 'default' }, overrides: {}, priority: 'high' });
const targets = Array.from({ length: batch }, (_, i) => ({ token: i.toString(16).padStart(64, 'a'), keys: null }));

try {
  await sender.send(push, targets.slice(0, 100)); // connect and warm up
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const mockCpuBefore = processCpuMs(child.pid!);
  const kinds = new Map<string, number>();
  for (let sent = 0; sent < count; sent += batch) {
    for (const outcome of await sender.send(push, targets.slice(0, Math.min(batch, count - sent)))) kinds.set(outcome.kind, (kinds.get(outcome.kind) ?? 0) + 1);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const senderCpuUsPerSend = (cpu.user + cpu.system) / count;
  const mockCpuUsPerRequest = ((processCpuMs(child.pid!) - mockCpuBefore) * 1000) / count;
  process.stdout.write(`${JSON.stringify({ count, seconds: Number(seconds.toFixed(3)), perSecond: Math.round(count / seconds), senderCpuUsPerSend: Math.round(senderCpuUsPerSend), mockCpuUsPerRequest: Math.round(mockCpuUsPerRequest), outcomes: Object.fromEntries(kinds) })}\n`);
} finally {
  await sender.close();
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

/** utime + stime of a process in ms, from /proc (Linux); 0 where /proc is not there. */
function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}
