import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';

/**
 * Prometheus metrics are off unless `enable-metrics` is set (as in ntfy); `metrics-listen-http`
 * serves them on a listener of their own, and then only there.
 */
describe('/metrics', () => {
  it('is not served by default', async () => {
    const server = await startTestServer();
    try {
      // What answers instead is the web app's page for a topic path, as in ntfy: no metrics in it.
      const text = await (await fetch(`${server.url}/metrics`)).text();
      assert.ok(!/# HELP|process_cpu/.test(text), 'no metrics served');
      assert.equal(server.metricsUrl, undefined);
    } finally {
      await server.close();
    }
  });

  it('enable-metrics serves them on the main listener', async () => {
    const server = await startTestServer({ 'enable-metrics': 'true' });
    try {
      const res = await fetch(`${server.url}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, /herald_http_request_duration_seconds/);
      // Runtime metrics under their standard names; Herald's own under herald_, never both prefixes.
      const names = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
      for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'herald_messages_published_total']) {
        assert.ok(names.has(name), `${name} is exported`);
      }
      const odd = [...names].filter((n) => !/^(herald|process|nodejs)_/.test(n) || /^herald_(process|nodejs)_|process_process_/.test(n));
      assert.deepEqual(odd, [], 'every metric is herald_*, process_* or nodejs_*');
    } finally {
      await server.close();
    }
  });

  it('metrics-listen-http serves them on a listener of their own that serves nothing else', async () => {
    const server = await startTestServer({ 'metrics-listen-http': '127.0.0.1:0' });
    try {
      assert.ok(server.metricsUrl, 'the metrics listener is up');
      assert.notEqual(new URL(server.metricsUrl).port, new URL(server.url).port);
      const res = await fetch(`${server.metricsUrl}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(await res.text(), /^process_cpu_seconds_total /m);

      const main = await (await fetch(`${server.url}/metrics`)).text();
      assert.ok(!/# HELP|process_cpu/.test(main), 'not on the main listener');

      for (const [path, method, status, code] of [['/v1/health', 'GET', 404, 40401], ['/', 'GET', 404, 40401], ['/metrics', 'POST', 405, 40501]] as const) {
        const other = await fetch(`${server.metricsUrl}${path}`, { method });
        assert.equal(other.status, status, `${method} ${path}`);
        assert.deepEqual(((await other.json()) as { code: number }).code, code);
      }
    } finally {
      await server.close();
    }
  });
});
