import { request } from 'node:http';
import { DEFAULT_DEADLINE_MS } from './wait.js';

/** A live HTTP stream read line by line (for /json, /sse and /raw). */
export interface LineStream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Resolves with the next n lines (waiting for them), rejects when the stream ends first or after timeoutMs (generous by default). */
  next(n?: number, timeoutMs?: number): Promise<string[]>;
  close(): void;
}

/** `socketPath` reaches a server on a Unix socket; the URL then gives only the path. */
export function openStream(url: string, headers: Record<string, string> = {}, options: { socketPath?: string } = {}): Promise<LineStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false, ...options }, (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      const lines: string[] = [];
      let waiter: (() => void) | undefined;
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let i: number;
        while ((i = buffer.indexOf('\n')) >= 0) {
          lines.push(buffer.slice(0, i));
          buffer = buffer.slice(i + 1);
        }
        waiter?.();
      });
      res.on('end', () => waiter?.());
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        async next(n = 1, timeoutMs = DEFAULT_DEADLINE_MS) {
          const deadline = Date.now() + timeoutMs;
          while (lines.length < n) {
            if (res.readableEnded) throw new Error(`stream ended with ${lines.length} of ${n} lines: ${JSON.stringify(lines)}`);
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`timed out waiting for ${n} lines, got ${JSON.stringify(lines)}`);
            await new Promise<void>((r) => {
              const t = setTimeout(r, left);
              waiter = () => {
                clearTimeout(t);
                r();
              };
            });
          }
          return lines.splice(0, n);
        },
        close() {
          req.destroy();
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads /json stream lines as parsed objects. */
export async function nextEvents(stream: LineStream, n = 1, timeoutMs = DEFAULT_DEADLINE_MS): Promise<Record<string, unknown>[]> {
  return (await stream.next(n, timeoutMs)).map((l) => JSON.parse(l) as Record<string, unknown>);
}
