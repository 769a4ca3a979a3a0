import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeraldError, type ErrorName } from '../../src/errors/index.js';
import { renderTemplate } from '../../src/core/publish/template/index.js';

type Case = [template: string, expected: string, data?: unknown];

const DATA = {
  alert: { title: 'Disk low', labels: { host: 'db1' } },
  status: 'firing',
  items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
  count: 3,
  ratio: 0.25,
  big: 1234567,
  flag: true,
  nothing: null,
  empty: '',
  list: [1, 'x', null, true],
  obj: { b: 2, a: 1 },
  'dashed-key': 'dash',
};

function check(cases: Case[]): void {
  for (const [template, expected, data] of cases) {
    assert.equal(renderTemplate(template, data === undefined ? DATA : data), expected, template);
  }
}

function rejects(template: string, errorName: ErrorName, data: unknown = DATA, options = {}): void {
  assert.throws(
    () => renderTemplate(template, data, options),
    (err: unknown) => err instanceof HeraldError && err.errorName === errorName,
    `${template} should fail with ${errorName}`,
  );
}

test('text, trim markers and comments', () => {
  check([
    ['plain text', 'plain text'],
    ['', ''],
    ['a  {{- "b" -}}  c', 'abc'],
    ['a\n\t {{- "b"}} \n c', 'ab \n c'],
    ['a {{"b" -}} \n\t c', 'a bc'],
    ['{{3 -}} x {{- -3}}', '3x-3'],
    ['a{{/* a comment */}}b', 'ab'],
    ['a {{- /* multi\nline */ -}} b', 'ab'],
    ['{{"}}"}}', '}}'],
  ]);
});

test('fields, dot, $ and variables', () => {
  check([
    ['{{.alert.title}} is {{.status}}', 'Disk low is firing'],
    ['{{.alert.labels.host}}', 'db1'],
    ['{{$.alert.title}}', 'Disk low'],
    ['{{with .alert}}{{$.status}} {{.title}}{{end}}', 'firing Disk low'],
    ['{{$x := .alert}}{{$x.labels.host}}', 'db1'],
    ['{{$x := 1}}{{$x = 2}}{{$x}}', '2'],
    ['{{$x := "out"}}{{if true}}{{$x = "in"}}{{end}}{{$x}}', 'in'],
    ['{{(.alert).title}} {{(index .items 1).name}}', 'Disk low b'],
    ['{{index . "dashed-key"}}', 'dash'],
    ['{{.}}', 'just a string', 'just a string'],
  ]);
});

test('pipelines and literals', () => {
  check([
    ['{{.status | printf "%s!"}}', 'firing!'],
    ['{{"a" | printf "%s-%s" "b"}}', 'b-a'],
    ['{{.alert.title | upper | printf "[%s]"}}', '[DISK LOW]'],
    ['{{printf "%s" (printf "%d" (len .items))}}', '3'],
    ['{{"esc\\t\\"q\\" \\u00e9 \\x41 \\101"}}', 'esc\t"q" é A A'],
    ['{{`raw \\n "x"`}}', 'raw \\n "x"'],
    ["{{'a'}} {{0x1F}} {{017}} {{0b11}} {{1_000}} {{-7}} {{2.50}} {{1e3}} {{1e6}}", '97 31 15 3 1000 -7 2.5 1000 1e+06'],
    ['{{true}} {{false}} {{print nil}}', 'true false <nil>'],
  ]);
});

test('default printing follows Go fmt', () => {
  check([
    ['{{.missing}}|{{.nothing}}|{{.missing.deeper}}', '<no value>|<no value>|<no value>'],
    ['{{print .missing}} {{print .nothing}}', '<nil> <nil>'],
    ['{{.count}} {{.ratio}} {{.big}} {{len .items}}', '3 0.25 1.234567e+06 3'],
    ['{{.list}}', '[1 x <nil> true]'],
    ['{{.obj}}', 'map[a:1 b:2]'],
    ['{{.items}}', '[map[name:a] map[name:b] map[name:c]]'],
    ['{{.flag}} {{not .flag}}', 'true false'],
    ['{{.}}', '<no value>', null],
  ]);
});

test('if / else if / else and truthiness', () => {
  const truth = (value: unknown): string => renderTemplate('{{if .v}}T{{else}}F{{end}}', { v: value });
  for (const falsy of [false, 0, null, '', [], {}]) assert.equal(truth(falsy), 'F', JSON.stringify(falsy));
  for (const truthy of [true, 1, -0.5, 'x', [0], { a: 0 }]) assert.equal(truth(truthy), 'T', JSON.stringify(truthy));
  assert.equal(renderTemplate('{{if .v}}T{{else}}F{{end}}', {}), 'F');
  check([
    ['{{if eq .status "ok"}}ok{{else if eq .status "firing"}}fire{{else}}?{{end}}', 'fire'],
    ['{{if eq .status "x"}}x{{else if eq .status "y"}}y{{else}}none{{end}}', 'none'],
    ['{{if $h := .alert.labels.host}}{{$h}}{{end}}', 'db1'],
    ['{{if and .flag .count}}both{{end}}{{if or .empty .missing}}{{else}} neither{{end}}', 'both neither'],
  ]);
});

test('range over arrays, objects and ints, with else, break and continue', () => {
  check([
    ['{{range .items}}{{.name}}, {{end}}', 'a, b, c, '],
    ['{{range $i, $v := .items}}{{$i}}={{$v.name}} {{end}}', '0=a 1=b 2=c '],
    ['{{range $v := .items}}{{$v.name}}{{end}}', 'abc'],
    ['{{range $k, $v := .obj}}{{$k}}:{{$v}};{{end}}', 'a:1;b:2;'],
    ['{{range .obj}}{{.}}{{end}}', '12'],
    ['{{range .none}}x{{else}}empty{{end}} {{range .empty_list}}x{{else}}none{{end}}', 'empty none', { empty_list: [] }],
    ['{{range $i, $v := .items}}{{if eq $i 1}}{{continue}}{{end}}{{$v.name}}{{end}}', 'ac'],
    ['{{range .items}}{{if eq .name "b"}}{{break}}{{end}}{{.name}}{{end}}', 'a'],
    ['{{range $.items}}{{range $.items}}{{break}}{{end}}{{.name}}{{end}}', 'abc'],
    ['{{range 3}}{{.}}{{end}}', '012'],
    ['{{$n := 0}}{{range .items}}{{$n = .name}}{{end}}{{$n}}', 'c'],
  ]);
});

test('with / else with / else', () => {
  check([
    ['{{with .alert.labels}}{{.host}}{{end}}', 'db1'],
    ['{{with .missing}}x{{else}}fallback{{end}}', 'fallback'],
    ['{{with .missing}}x{{else with .alert}}{{.title}}{{end}}', 'Disk low'],
    ['{{with $a := .alert}}{{$a.title}}{{end}}', 'Disk low'],
  ]);
});

test('Go built-in functions', () => {
  check([
    ['{{and 1 0 2}} {{and 1 2}} {{or 0 "" "z"}} {{or 0 ""}} {{not 0}}', '0 2 z  true'],
    ['{{len .items}} {{len "héllo"}} {{len .obj}}', '3 6 2'],
    ['{{index .items 1 "name"}} {{index .obj "a"}} {{index .obj "zz"}} {{index "abc" 1}}', 'b 1 <no value> 98'],
    ['{{slice .list 1 3}} {{slice "hello" 1}} {{slice "hello" 1 3}} {{slice .list}}', '[x <nil>] ello el [1 x <nil> true]'],
    ['{{print "a" 1 2 "b"}}|{{println "a" 1}}|', 'a1 2b|a 1\n|'],
    ['{{eq .count 3}} {{eq .status "x" "firing"}} {{ne .count 4}} {{eq .missing nil}}', 'true true true true'],
    ['{{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge .ratio 0.5}}', 'true true true false'],
    ['{{html "<a href=\'x\'>&\\""}}', '&lt;a href=&#39;x&#39;&gt;&amp;&#34;'],
    ['{{js "it\'s <b> & \\"q\\" ="}}', 'it\\\'s \\u003Cb\\u003E \\u0026 \\"q\\" \\u003D'],
    ['{{urlquery "a b&c/é?"}} {{html .missing}}', 'a+b%26c%2F%C3%A9%3F &lt;no value&gt;'],
  ]);
});

test('printf verbs', () => {
  check([
    ['{{printf "%s|%d|%v|%q|%%" "a" 42 .obj "q\\"x"}}', 'a|42|map[a:1 b:2]|"q\\"x"|%'],
    ['{{printf "%f|%.2f|%.0f|%6.2f|%-6.1f|" 3.14159 3.14159 2.7 3.14159 1.25}}', '3.141590|3.14|3|  3.14|1.2   |'],
    ['{{printf "%x|%X|%x|%05d|%+d|%5s|%-5s|%.2s" 255 255 "hi" -42 7 "ab" "cd" "xyz"}}', 'ff|FF|6869|-0042|+7|   ab|cd   |xy'],
    ['{{printf "%d items, %v%%" .count .ratio}}', '3 items, 0.25%'],
    ['{{printf "%e|%g|%t|%c" 1234.5678 0.00001 true 65}}', '1.234568e+03|1e-05|true|A'],
    ['{{printf "%d|%s" .ratio}}', '%!d(float64=0.25)|%!s(MISSING)'],
    ['{{printf "%s" 1 2}}', '%!s(int=1)%!(EXTRA int=2)'],
    ['{{printf "%v|%s" nil nil}}', '<nil>|%!s(<nil>)'],
  ]);
});

test('sprig-style helpers', () => {
  check([
    ['{{upper "abc"}} {{lower "ABC"}} {{title "hello wide world"}} [{{trim "  x  "}}]', 'ABC abc Hello Wide World [x]'],
    ['{{trimPrefix "[FIRING] " "[FIRING] cpu"}} {{"cpu!" | trimSuffix "!"}}', 'cpu cpu'],
    ['{{replace "o" "0" "foo boo"}} {{replace "" "-" "ab"}}', 'f00 b00 -a-b-'],
    ['{{contains "isk" .alert.title}} {{hasPrefix "Disk" .alert.title}} {{hasSuffix "x" .alert.title}}', 'true true false'],
    ['{{join ", " .list}} {{join "-" "solo"}}', '1, x, true solo'],
    ['{{split "," "a,b,c"}} {{(split "," "a,b")._1}} {{splitList "," "a,b"}}', 'map[_0:a _1:b _2:c] b [a b]'],
    ['{{.missing | default "none"}} {{.status | default "none"}} {{default "d" ""}}', 'none firing d'],
    ['{{toJson .obj}} {{toJSON .list}} {{toJson "<&>"}}', '{"a":1,"b":2} [1,"x",null,true] "\\u003c\\u0026\\u003e"'],
  ]);
});

test('a Grafana alert webhook', () => {
  const grafana = {
    receiver: 'ntfy',
    status: 'firing',
    title: '[FIRING:2] HighCPU',
    externalURL: 'https://grafana.example.com/',
    commonLabels: { alertname: 'HighCPU' },
    alerts: [
      { status: 'firing', labels: { alertname: 'HighCPU', instance: 'web-1' }, annotations: { summary: 'CPU at 97%' }, values: { B: 97.25 } },
      { status: 'firing', labels: { alertname: 'HighCPU', instance: 'web-2' }, annotations: {}, values: { B: 91 } },
    ],
  };
  const message = [
    '{{.title | trimPrefix "[FIRING:2] "}} ({{len .alerts}} alerts)',
    '{{range .alerts}}- {{.labels.instance}}: {{with .annotations.summary}}{{.}}{{else}}no summary{{end}} (B={{printf "%.1f" .values.B}})',
    '{{end}}{{if eq .status "firing"}}🔥{{else}}✅{{end}} {{.externalURL}}',
  ].join('\n');
  assert.equal(
    renderTemplate(message, grafana),
    'HighCPU (2 alerts)\n- web-1: CPU at 97% (B=97.2)\n- web-2: no summary (B=91.0)\n🔥 https://grafana.example.com/',
  );
});

test('a GitHub webhook', () => {
  const github = {
    action: 'opened',
    pull_request: { number: 42, title: 'Add templates', html_url: 'https://github.com/o/r/pull/42', user: { login: 'octocat' }, draft: false },
    repository: { full_name: 'o/r', stargazers_count: 1500000 },
    commits: [{ id: 'abc1234567', message: 'first' }, { id: 'def7654321', message: 'second\n\nbody' }],
  };
  check([
    ['{{.sender.login | default .pull_request.user.login}} {{.action}} #{{.pull_request.number}}: {{.pull_request.title}}', 'octocat opened #42: Add templates', github],
    ['{{if not .pull_request.draft}}ready{{end}} {{.repository.full_name}} ★{{.repository.stargazers_count}}', 'ready o/r ★1.5e+06', github],
    ['{{range .commits}}{{slice .id 0 7}} {{index (splitList "\\n" .message) 0}}; {{end}}', 'abc1234 first; def7654 second; ', github],
  ]);
});

test('disallowed functions', () => {
  for (const template of ['{{template "x"}}', '{{define "x"}}y{{end}}', '{{block "b" .}}y{{end}}', '{{call .f}}', '{{.f | call}}', '{{if call .f}}{{end}}']) {
    rejects(template, 'templateDisallowedFunction');
  }
});

test('syntax errors', () => {
  const invalid = [
    '{{', '{{.a', '{{}}', '{{if}}{{end}}', '{{if .a}}x', '{{end}}', '{{else}}', '{{range .a}}{{else}}{{else}}{{end}}',
    '{{"unterminated}}', '{{`raw}}', '{{/* unclosed', '{{/* x */ .a}}', '{{unknownFn}}', '{{$undefined}}', '{{$x = 1}}',
    '{{break}}', '{{if .a}}{{continue}}{{end}}', '{{.a | "lit"}}', '{{(.a}}', '{{.a)}}', '{{1x}}', '{{08}}', '{{"\\q"}}',
    '{{.a"b"}}', '{{if .a}}{{else if}}{{end}}', '{{$a, $b := .x}}', '{{ # }}', '{{"a".b}}', `${'{{if 1}}'.repeat(150)}`,
  ];
  for (const template of invalid) rejects(template, 'templateInvalid');
});

test('execution errors', () => {
  const failing = [
    '{{.status.x}}', '{{.nothing.x}}', '{{.items.name}}', '{{index .items 5}}', '{{index .items "a"}}', '{{index .obj 1}}',
    '{{index .missing 0}}', '{{slice .list 3 1}}', '{{slice .list 9}}', '{{len 3}}', '{{len .missing}}', '{{upper .count}}',
    '{{upper .missing}}', '{{lt "a" 1}}', '{{eq .obj .obj}}', '{{lt true false}}', '{{not}}', '{{eq 1}}', '{{printf}}',
    '{{printf 1}}', '{{.alert 1}}', '{{.status | .alert}}', '{{"x" 1}}', '{{nil}}', '{{range .status}}{{end}}',
    '{{range .ratio}}{{end}}', '{{printf "%1000d" 1}}', '{{printf "%*d" 5 1}}',
  ];
  for (const template of failing) rejects(template, 'templateExecutionFailed');
});

test('runaway loops stop at the work limit', () => {
  const data = { a: Array.from({ length: 2000 }, (_, i) => i) };
  rejects('{{range $.a}}{{range $.a}}{{range $.a}}{{end}}{{end}}{{end}}', 'templateLimitExceeded', data);
});

test('output size limit', () => {
  const data = { a: Array.from({ length: 5000 }, () => 'x') };
  rejects('{{range .a}}{{.}}{{end}}', 'templateMessageTooLarge', data);
  assert.equal(renderTemplate('{{range .a}}{{.}}{{end}}', data, { maxOutputBytes: 5000 }).length, 5000);
  rejects('{{range .a}}é{{end}}', 'templateMessageTooLarge', { a: Array(3) }, { maxOutputBytes: 5 });
  // Amplifying a string through variables fails fast rather than filling memory.
  const grow = '{{$s := "0123456789abcdef"}}' + '{{$s = printf "%s%s%s%s%s%s%s%s" $s $s $s $s $s $s $s $s}}'.repeat(10);
  rejects(grow, 'templateLimitExceeded');
});

test('prototype guard: only own properties of plain JSON data resolve', () => {
  const parsed: unknown = JSON.parse('{"__proto__": {"x": "own"}, "a": {"b": 1}}');
  check([
    ['{{.__proto__.x}}', 'own', parsed],
    ['{{.constructor}}|{{.a.constructor}}|{{.a.__proto__}}|{{.prototype}}|{{.a.toString}}', '<no value>|<no value>|<no value>|<no value>|<no value>', parsed],
    ['{{index .a "constructor"}}|{{index . "hasOwnProperty"}}', '<no value>|<no value>', parsed],
    ['{{.constructor.name}}{{.__proto__.polluted}}', '<no value><no value>', {}],
    ['{{range $k, $v := .}}{{$k}};{{end}}', '__proto__;a;', parsed],
  ]);
  // Class instances and functions are opaque: no fields, no getters run.
  class Secret {
    get leak(): string { throw new Error('getter must not run'); }
  }
  rejects('{{.leak}}', 'templateExecutionFailed', new Secret());
  rejects('{{.f.name}}', 'templateExecutionFailed', { f: () => 1 });
});
