import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * docs/grafana-dashboard.json is a Grafana dashboard over Herald's own metrics: every metric an
 * expression names must be one this server exports, so a renamed metric cannot leave a panel empty.
 */
const dashboard = JSON.parse(readFileSync(new URL('../../../docs/grafana-dashboard.json', import.meta.url), 'utf8')) as {
  title: string;
  panels: { type: string; title: string; targets?: { expr: string }[] }[];
  templating: { list: { name: string; type: string; query?: unknown; definition?: string }[] };
};

/** Metric names in a PromQL expression: identifiers followed by `{`, `[` or `)`, or in label_values(). */
function metricNames(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\b((?:herald|process|nodejs)_[a-z0-9_]+)\b/g)) names.add(m[1]!);
  return [...names];
}

let server: TestServer;
let exported: Map<string, string>;
before(async () => {
  server = await startTestServer({ 'enable-metrics': 'true' });
  const text = await (await fetch(`${server.url}/metrics`)).text();
  // `# TYPE name kind`: every registered metric has one, observed or not.
  exported = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
});
after(() => server.close());

describe('Grafana dashboard', () => {
  it('is a dashboard with panels that query through the Prometheus datasource variable', () => {
    assert.equal(dashboard.title, 'Herald');
    const queries = dashboard.panels.filter((p) => p.type !== 'row');
    assert.ok(queries.length >= 10, 'panels');
    for (const p of queries) assert.ok(p.targets && p.targets.length > 0, `${p.title} has queries`);
    const datasource = dashboard.templating.list.find((v) => v.type === 'datasource');
    assert.equal(datasource?.query, 'prometheus');
    assert.ok(JSON.stringify(dashboard.panels).includes('${datasource}'));
  });

  it('names only metrics that /metrics exports', () => {
    assert.ok(exported.has('herald_push_outcomes_total'), 'the server exported its metrics');
    const used = new Set<string>();
    for (const p of dashboard.panels) for (const t of p.targets ?? []) for (const n of metricNames(t.expr)) used.add(n);
    for (const v of dashboard.templating.list) if (v.definition) for (const n of metricNames(v.definition)) used.add(n);
    assert.ok(used.size >= 15, `the dashboard uses ${used.size} metrics`);
    for (const name of used) {
      // A histogram is exported under its base name; queries read its _bucket, _count and _sum series.
      const base = name.replace(/_(bucket|count|sum)$/, '');
      const known = exported.get(name) !== undefined || exported.get(base) === 'histogram';
      assert.ok(known, `${name} is not in Herald's /metrics`);
    }
    for (const name of ['herald_analytics_export_rows_total', 'herald_analytics_export_dropped_total', 'herald_queue_lag_seconds', 'herald_notify_channel_states_total']) {
      assert.ok(used.has(name), `the dashboard shows ${name}`);
    }
  });
});
