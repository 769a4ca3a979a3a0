import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLiquidEngine } from '../../src/adapters/templates/liquid-engine.js';
import { parseTemplate } from '../../src/core/notify/templates/parse-template.js';
import { renderTemplate } from '../../src/core/notify/templates/render.js';
import { HeraldError } from '../../src/errors/index.js';
import { TemplateRenderError, type RenderBudget } from '../../src/ports/template-engine.js';

const engine = createLiquidEngine();
const DATA = {
  big: 'x'.repeat(30_000),
  html: '<b>x</b>'.repeat(3500),
  arr: Array.from({ length: 15_000 }, () => 0),
  strs: Array.from({ length: 5000 }, () => 'abcd'),
  obj: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i])),
  now: '2026-01-01T00:00:00Z',
};
const loop = (n: number, body: string): string => `{% for i in (1..${n}) %}${body}{% endfor %}`;

/** Renders `source`, expecting the work limit to stop it; returns the reason. */
function limited(source: string, data: Record<string, unknown> = DATA, html = false): string {
  try {
    engine.compile(source, { html }).render(data);
  } catch (error) {
    assert.ok(error instanceof TemplateRenderError, String(error));
    assert.ok(error.limit, `${source.slice(0, 80)}: ${error.message}`);
    return error.reason;
  }
  return assert.fail(`${source.slice(0, 120)} should exceed the work limit`);
}

test('hostile templates stop at the work limit, whatever they spend it on', () => {
  const cases = [
    // Loops: nested ranges, loops over data, objects, tablerow, reversed copies.
    '{% for i in (1..1000) %}{% for j in (1..1000) %}{% for k in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}',
    '{% for a in arr %}{% for b in arr %}{% endfor %}{% endfor %}',
    '{% for a in arr %}{% for b in arr reversed limit:1 %}{% endfor %}{% endfor %}',
    '{% for a in arr %}{% tablerow b in arr limit:1 %}{% endtablerow %}{% endfor %}',
    loop(100_000, '{% for x in obj %}{% endfor %}'),
    loop(10_000_000, '{% cycle "a", "b" %}'),
    // Growth: doubling with append, capture and replace; output floods.
    '{% assign s = "x" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}',
    '{% capture s %}x{% endcapture %}{% for i in (1..40) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}',
    '{% assign s = "xxxxxxxx" %}{% for i in (1..30) %}{% assign s = s | replace: "x", "xx" %}{% endfor %}',
    loop(100_000, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'),
    loop(100_000, '{{ big }}'),
    '{{ now | date: "%1000000000Y" }}',
    // Work that allocates little: filter chains, lookups, comparisons, per-element expressions.
    loop(100_000, `{{ i${' | plus: 1'.repeat(500)} }}`),
    loop(100_000, `{{ a${'.b'.repeat(2000)} }}`),
    loop(100_000, `{% if i == 1${' or i == 1'.repeat(500)} %}{% endif %}`),
    loop(100_000, `{% case i %}${'{% when 0 %}x'.repeat(500)}{% endcase %}`),
    loop(1_000_000, '{% if big contains "y" %}{% endif %}'),
    loop(1_000_000, '{% if arr == arr %}{% endif %}'),
    loop(100_000, '{% assign r = arr | where_exp: "x", "x == 1 or x == 2" %}'),
    loop(100_000, '{% assign r = arr | map: "a.b.c" %}'),
    loop(100_000, '{% assign r = arr | sum %}'),
    loop(100_000, '{% assign r = strs | sort %}'),
    loop(100_000, '{% assign r = arr | json %}'),
    loop(100_000, '{% assign r = big | split: "" %}'),
    loop(100_000, '{% assign r = html | strip_html %}'),
    loop(100_000, '{% assign r = big | size %}'),
  ];
  for (const source of cases) assert.match(limited(source), /^the render exceeds its work limit of 1000000 units/, source.slice(0, 80));
  // Escaping every output (HTML templates) is paid for like any other work.
  assert.match(limited(loop(100_000, '{{ html }}'), DATA, true), /work limit/);
});

test('the limit is counted, not timed: the same render always stops at the same point', () => {
  const tight = createLiquidEngine({ workLimit: 5000 });
  const template = tight.compile('{% for i in (1..1000) %}{{ i }},{% endfor %}', { html: false });
  const spent = new Set<number>();
  for (let i = 0; i < 5; i++) {
    const budget: RenderBudget = { used: 0 };
    assert.throws(() => template.render({}, budget), (error: unknown) => error instanceof TemplateRenderError && error.limit);
    spent.add(budget.used);
  }
  assert.equal(spent.size, 1, `every run spends the same: ${[...spent].join(', ')}`);
  assert.equal(engine.compile('{% for i in (1..1000) %}{{ i }},{% endfor %}', { html: false }).render({}).split(',').length, 1001);
});

test('all the fields of one notification share one budget', () => {
  const tight = createLiquidEngine({ workLimit: 10_000 });
  const leaf = '{% for i in (1..20) %}{{ i }}{% endfor %}';
  const one = parseTemplate('one', { channels: { webhook: { body: { a: leaf } } } }, tight);
  assert.equal((renderTemplate(one, {}).channels.webhook!.body as { a: string }).a.length, 31);
  // Each leaf alone fits; forty of them do not.
  const many = parseTemplate('many', { channels: { webhook: { body: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, leaf])) } } }, tight);
  assert.throws(() => renderTemplate(many, {}), (error: unknown) => error instanceof HeraldError && error.code === 40047 && /webhook\.body\.k\d+ \(locale en\) failed to render/.test(error.message));
});

test('a heavy but ordinary digest e-mail renders well within the limit', () => {
  const row = '<tr><td style="padding:8px;border-bottom:1px solid #eee;font-family:Helvetica,Arial,sans-serif;font-size:14px">{{ ev.title | escape }}</td>'
    + '<td>{{ ev.at | date: "%b %d, %H:%M" }}</td><td>{% if ev.priority > 3 %}<b>urgent</b>{% else %}normal{% endif %}</td>'
    + '<td><a href="https://example.com/e/{{ ev.id | url_encode }}">open</a></td></tr>';
  const html = `<h1>{{ count }} updates for {{ subscriber.name | default: "you" }}</h1><table>{% for ev in events %}${row.repeat(3)}{% endfor %}</table>`;
  const events = Array.from({ length: 100 }, (_, i) => ({ id: `e${i}`, title: `Something happened to item ${i} <ok>`, at: '2026-01-01T10:00:00Z', priority: i % 5 }));
  const budget: RenderBudget = { used: 0 };
  const out = engine.compile(html, { html: true }).render({ events, count: 250, subscriber: { name: 'Ann' } }, budget);
  assert.ok(out.length > 70_000, `${out.length} characters`);
  assert.ok(budget.used < 600_000, `spent ${budget.used} of 1000000 units`);
});
