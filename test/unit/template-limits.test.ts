import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeraldError } from '../../src/errors/index.js';
import { renderTemplate, type RenderTemplateOptions } from '../../src/core/publish/template/index.js';

/** A template that doubles `$s` from `seed` `times` times: 8 × 2^13 = 65,536 characters, the value limit. */
function grown(seed: string, times: number): string {
  return `{{$s := ${JSON.stringify(seed)}}}{{range ${times}}}{{$s = print $s $s}}{{end}}`;
}
const LONGEST = grown('xxxxxxxx', 13);

/** Expects the render to stop at a limit; returns the error message. */
function limited(template: string, data: unknown = {}, options: RenderTemplateOptions = {}): string {
  try {
    renderTemplate(template, data, options);
  } catch (err) {
    assert.ok(err instanceof HeraldError, `expected a HeraldError, got ${String(err)}`);
    assert.equal(err.errorName, 'templateLimitExceeded', err.message);
    assert.equal(err.code, 40047);
    assert.equal(err.http, 400);
    return err.message;
  }
  return assert.fail(`${template.slice(0, 120)} should hit a limit`);
}

const VALUE_LIMIT = /would produce more than 65536 characters, the limit for any one value/;
const WORK_LIMIT = /the render needs more than 1000000 units of work/;

test('the payload that froze the server stops at the value limit', () => {
  const payload = '{{$s := "xxxxxxxxxxxxxxxx"}}{{range 16}}{{$s = print $s $s}}{{end}}{{range 100000}}{{$t := title $s}}{{end}}ok';
  assert.match(limited(payload), /print would produce more than 65536 characters/);
});

test('the same loop over a string within the value limit stops at the work limit', () => {
  assert.match(limited(`${LONGEST}{{range 100000}}{{$t := title $s}}{{end}}ok`), WORK_LIMIT);
  assert.match(limited(`${LONGEST}{{range 100000}}{{$t := upper $s}}{{end}}`), WORK_LIMIT);
});

test('every function that can grow a string stops at the value limit', () => {
  const cases: [string, RegExp][] = [
    ['{{$s := "xxxxxxxxxxxxxxxx"}}{{range 30}}{{$s = replace "x" "xx" $s}}{{end}}', /replace would produce/],
    [`${LONGEST}{{$t := replace "" "y" $s}}`, /replace would produce/],
    [`${LONGEST}{{$t := print $s "x"}}`, /print would produce/],
    [`${LONGEST}{{$t := println $s}}`, /println would produce/],
    [`${LONGEST}{{$t := printf "%s%s" $s $s}}`, /printf would produce/],
    [`${LONGEST}{{$t := printf "%x" $s}}`, /printf would produce/],
    [`${LONGEST}{{$t := printf "%q" (print (slice $s 1) "\\x01")}}`, /printf would produce/],
    [`${LONGEST}{{$l := splitList "" $s}}{{$t := printf "%999v" $l}}`, /printf would produce/],
    [`${LONGEST}{{$t := join "," (splitList "" $s)}}`, /join would produce/],
    [`${grown('<<<<<<<<', 12)}{{$t := html $s}}`, /html would produce/],
    [`${grown('<<<<<<<<', 12)}{{$t := js $s}}`, /js would produce/],
    [`${grown('<<<<<<<<', 12)}{{$t := urlquery $s}}`, /urlquery would produce/],
    [`${grown('<<<<<<<<', 12)}{{$t := toJson (splitList "" $s)}}`, /toJson would produce/],
    [`${grown('ΐΐΐΐΐΐΐΐ', 13)}{{$t := upper $s}}`, /upper would produce/],
    // The value limit holds for an action's output too, before the output limit is even checked.
    [`${LONGEST}{{$l := splitList "" $s}}{{$l}}`, /an action would produce/],
  ];
  for (const [template, message] of cases) {
    const error = limited(template);
    assert.match(error, message, template.slice(-60));
    assert.match(error, VALUE_LIMIT, template.slice(-60));
  }
});

test('loops that only touch bounded values stop at the work limit', () => {
  const body = { a: Array.from({ length: 16000 }, () => 0), m: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, i])) };
  const cases: [string, unknown][] = [
    ['{{range 1000}}{{range 1000}}{{range 1000}}{{end}}{{end}}{{end}}', {}],
    ['{{range $.a}}{{range $.a}}{{end}}{{end}}', body],
    ['{{range 100000}}{{range $.m}}{{end}}{{end}}', body],
    [`${LONGEST}{{range 100000}}{{$l := splitList "" $s}}{{end}}`, {}],
    [`${LONGEST}{{range 100000}}{{$l := split "" $s}}{{end}}`, {}],
    [`${LONGEST}{{$l := splitList "x" $s}}{{range 100000}}{{$t := join "" $l}}{{end}}`, {}],
    [`${LONGEST}{{range 100000}}{{$t := replace "x" "y" $s}}{{end}}`, {}],
    [`${LONGEST}{{range 100000}}{{$t := eq $s (slice $s 1)}}{{end}}`, {}],
    [`${LONGEST}{{range 100000}}{{$t := index $s 5}}{{end}}`, {}],
    ['{{range 100000}}{{$t := printf "%999d%999d%999d%999d" 1 1 1 1}}{{end}}', {}],
    ['{{range 100000}}{{$t := printf "%.999f %.999e %.999g" 1.5 1.5 1.5}}{{end}}', {}],
    ['{{range 100000}}{{$t := toJson $.a}}{{end}}', body],
    ['{{range 1000000}}{{if $.m}}{{end}}{{end}}', body],
    [`{{range 1000000}}{{$t := and ${'1 '.repeat(2000)}}}{{end}}`, {}],
    [`{{$v := 1}}${'{{$x := 1}}'.repeat(1000)}{{range 1000000}}{{$v}}{{end}}`, {}],
  ];
  for (const [template, data] of cases) assert.match(limited(template, data), WORK_LIMIT, template.slice(-80));
});

test('the limits are counted, not timed: the same render always gets the same answer', () => {
  const template = '{{range .items}}{{.name | upper}}, {{end}}';
  const data = { items: Array.from({ length: 100 }, (_, i) => ({ name: `n${i}` })) };
  const tight = { maxWork: 5000 };
  const messages = new Set<string>();
  for (let i = 0; i < 5; i++) messages.add(limited(template, data, tight));
  assert.deepEqual([...messages], ['invalid request: template exceeds a size or work limit: the render needs more than 5000 units of work (each step costs 20, each character a function reads or writes costs 1)']);
  assert.equal(renderTemplate(template, data).split(', ').length, 101);
});

test('templates of a realistic size stay far inside the limits', () => {
  // A 32 KiB body (the most template mode reads) with a hundred alerts.
  const alerts = Array.from({ length: 100 }, (_, i) => ({ labels: { alertname: `Disk${i}`, instance: `host-${i}:9100` }, status: i % 2 ? 'firing' : 'resolved', annotations: { summary: 'x'.repeat(200) } }));
  const data = { alerts, commonLabels: { job: 'node' } };
  assert.ok(JSON.stringify(data).length < 32768);
  const template = '{{len .alerts}} alerts for {{.commonLabels.job}}:{{range $i, $a := .alerts}}{{if lt $i 20}} {{$a.labels.alertname | upper}}@{{index (splitList ":" $a.labels.instance) 0}}={{$a.status}}{{end}}{{end}} {{printf "%.40s" (toJson .commonLabels)}}';
  const out = renderTemplate(template, data);
  assert.match(out, /^100 alerts for node: DISK0@host-0=resolved DISK1@host-1=firing/);
  // The largest value a body can become still fits: its JSON, escaped.
  assert.ok(renderTemplate('{{len (toJson .)}}', data).length > 0);
});

test('the faster escapers and title write what the character-by-character versions wrote', () => {
  const s = 'héllo wORLD-foo_bar\u00a0élan\u3000ǆx 1st ß\u0001"\'<&>=\ud800😀\u200b';
  const cases: [string, string][] = [
    ['{{title .s}}', 'Héllo WORLD-Foo_bar\u00a0Élan\u3000Ǆx 1st SS\u0001"\'<&>=\ud800😀\u200b'],
    ['{{js .s}}', 'héllo wORLD-foo_bar\\u00A0élan\\u3000ǆx 1st ß\\u0001\\"\\\'\\u003C\\u0026\\u003E\\u003D\\uD800😀\\u200B'],
    ['{{urlquery .s}}', 'h%C3%A9llo+wORLD-foo_bar%C2%A0%C3%A9lan%E3%80%80%C7%86x+1st+%C3%9F%01%22%27%3C%26%3E%3D%EF%BF%BD%F0%9F%98%80%E2%80%8B'],
    ['{{printf "%q" .s}}', '"héllo wORLD-foo_bar\\u00a0élan\\u3000ǆx 1st ß\\x01\\"\'<&>=\\ud800😀\\u200b"'],
    ['{{printf "%x|%5.2f|%v" "ab" 3.14159 .l}}', '6162| 3.14|[1 a map[b:2]]'],
  ];
  for (const [template, expected] of cases) {
    assert.equal(renderTemplate(template, { s, l: [1, 'a', { b: 2 }] }, { maxOutputBytes: 1 << 16 }), expected, template);
  }
});
