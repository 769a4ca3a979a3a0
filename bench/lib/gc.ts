import { get } from 'node:http';
import WebSocket from 'ws';

/**
 * Forces a full GC in a child started with `--inspect=127.0.0.1:PORT`, through the DevTools
 * protocol. This works for Herald without any hook in its code (`--expose-gc` alone would need
 * the server itself to call gc()), and the same way for the baseline. Resolves false when the
 * inspector is not reachable, so callers fall back to settling and sampling.
 */
export async function forceGc(inspectPort: number): Promise<boolean> {
  try {
    const targets = JSON.parse(await fetchText(`http://127.0.0.1:${inspectPort}/json/list`)) as Array<{ webSocketDebuggerUrl?: string }>;
    const target = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
    if (!target) return false;
    const ws = new WebSocket(target, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('inspector timeout')), 30_000);
      ws.once('error', reject);
      ws.once('open', () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })));
      ws.on('message', (data: WebSocket.RawData) => {
        if ((JSON.parse(data.toString()) as { id?: number }).id === 1) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    ws.close();
    return true;
  } catch {
    return false;
  }
}

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
