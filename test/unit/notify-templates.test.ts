import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLiquidEngine } from '../../src/adapters/templates/liquid-engine.js';
import { localeChain } from '../../src/core/notify/templates/locale-fallback.js';
import { parseTemplate, templateToJson, TEMPLATE_MAX_LOCALES } from '../../src/core/notify/templates/parse-template.js';
import { renderTemplate } from '../../src/core/notify/templates/render.js';
import { HeraldError } from '../../src/errors/index.js';
import { TemplateRenderError, TemplateSyntaxError } from '../../src/ports/template-engine.js';
import { htmlToText } from '../../src/util/html-to-text.js';

const engine = createLiquidEngine();

const ORDER_SHIPPED = {
  category: 'orders',
  default_locale: 'en',
  channels: {
    push: { title: 'Order {{ order }} shipped', body: 'Hi {{ subscriber.name }}, it is on its way', url: 'https://shop.example/o/{{ order }}' },
    email: { subject: 'Your order {{ order }}', html: '<p>Hello {{ name }}</p>', text: 'Hello {{ name }}' },
    sms: { text: 'Order {{ data.order }} shipped' },
    inapp: { title: 'Shipped', body: 'Order {{ order }}', url: '/orders/{{ order }}' },
    webhook: { body: { event: 'order.shipped', order: '{{ order }}', count: 3, ok: true, none: null, lines: [{ sku: '{{ sku }}' }, 'x'] } },
  },
  locales: {
    fr: { push: { title: 'Commande {{ order }} expédiée' }, sms: { text: 'Commande {{ order }} expédiée' } },
    'fr-CA': { sms: { text: 'Commande {{ order }} en route' } },
  },
};

function parse(json: unknown, name = 'order-shipped') {
  return parseTemplate(name, json, engine);
}

/** Runs `fn`, expecting a 400 HeraldError; returns its message. */
function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof HeraldError, `expected a HeraldError, got ${String(error)}`);
    assert.equal(error.http, 400);
    assert.equal(error.code, 40000);
    return error.message;
  }
  assert.fail('expected the call to throw');
}

describe('rendering', () => {
  test('every channel renders in the default locale', () => {
    const def = parse(ORDER_SHIPPED);
    const out = renderTemplate(def, { data: { order: '42', name: 'Ann', sku: 'A-1' }, subscriber: { id: 'u1', name: 'Ann' } });
    assert.equal(out.locale, 'en');
    assert.deepEqual(out.channels, {
      push: { title: 'Order 42 shipped', body: 'Hi Ann, it is on its way', url: 'https://shop.example/o/42' },
      email: { subject: 'Your order 42', html: '<p>Hello Ann</p>', text: 'Hello Ann' },
      sms: { text: 'Order 42 shipped' },
      inapp: { title: 'Shipped', body: 'Order 42', url: '/orders/42' },
      webhook: { body: { event: 'order.shipped', order: '42', count: 3, ok: true, none: null, lines: [{ sku: 'A-1' }, 'x'] } },
    });
  });

  test('email html is HTML-escaped; subject, text, sms, push and webhook are not', () => {
    const def = parse(ORDER_SHIPPED);
    const evil = '<script>alert("x")</script> & co';
    const out = renderTemplate(def, { data: { order: evil, name: evil, sku: evil } });
    assert.equal(out.channels.email!.html, '<p>Hello &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co</p>');
    assert.equal(out.channels.email!.text, `Hello ${evil}`);
    assert.equal(out.channels.email!.subject, `Your order ${evil}`);
    assert.equal(out.channels.sms!.text, `Order ${evil} shipped`);
    assert.equal(out.channels.push!.title, `Order ${evil} shipped`);
    assert.equal((out.channels.webhook!.body as { order: string }).order, evil);
  });

  test('filters run before escaping, and `raw` as the last filter opts out', () => {
    const def = parse({ channels: { email: { subject: 's', html: '{{ a | upcase }}|{{ a | raw }}|{% assign b = a %}{{ b }}|{% echo a %}' } } });
    const out = renderTemplate(def, { data: { a: '<b>' } });
    assert.equal(out.channels.email!.html, '&lt;B&gt;|<b>|&lt;b&gt;|&lt;b&gt;');
  });

  test('data is at the top level and under data; subscriber fields are under subscriber', () => {
    const def = parse({
      channels: { sms: { text: '{{ a }}/{{ data.a }}/{{ subscriber.id }}/{{ subscriber.email }}/{{ subscriber.data.plan }}/{{ subscriber.timezone }}' } },
    });
    const out = renderTemplate(def, {
      data: { a: 1, subscriber: 'shadow', data: 'shadow' },
      subscriber: { id: 'u1', email: 'u@example.com', timezone: 'Europe/Paris', data: { plan: 'pro' } },
    });
    assert.equal(out.channels.sms!.text, '1/1/u1/u@example.com/pro/Europe/Paris');
  });

  test('only the documented subscriber fields reach templates', () => {
    const def = parse({ channels: { sms: { text: '[{{ subscriber.webhookUrl }}{{ subscriber.preferences.enabled }}]{{ subscriber.name }}' } } });
    const record = { id: 'u', name: 'Ann', webhookUrl: 'https://secret.example', preferences: { enabled: true }, data: {} };
    assert.equal(renderTemplate(def, { subscriber: record }).channels.sms!.text, '[]Ann');
  });

  test('missing variables render empty, and blank optional fields are left out', () => {
    const def = parse({
      channels: {
        push: { title: '{{ nothing }}', body: 'a{{ missing.deep.path }}b{{ data.none }}c', url: '{{ link }}' },
        email: { subject: 'S {{ x }}', html: '{{ nope }}', text: 'T{{ nope }}' },
      },
    });
    const out = renderTemplate(def, {});
    assert.deepEqual(out.channels.push, { body: 'abc' });
    assert.deepEqual(out.channels.email, { subject: 'S', text: 'T' });
  });

  test('prototype properties are not reachable from templates', () => {
    const def = parse({ channels: { sms: { text: '[{{ data.constructor }}{{ a.__proto__ }}{{ a.toString }}]' } } });
    assert.equal(renderTemplate(def, { data: { a: {} } }).channels.sms!.text, '[]');
  });

  test('the subject stays on one line; push, sms and inapp are trimmed', () => {
    const def = parse({
      channels: {
        email: { subject: '{% if a %}\n  Hello\n  {{ a }}\n{% endif %}', text: 'x' },
        sms: { text: '\n  {{ a }}  \n' },
      },
    });
    const out = renderTemplate(def, { data: { a: 'Ann' } });
    assert.equal(out.channels.email!.subject, 'Hello Ann');
    assert.equal(out.channels.sms!.text, 'Ann');
  });

  test('only the channels asked for are rendered', () => {
    const def = parse(ORDER_SHIPPED);
    const out = renderTemplate(def, { data: { order: '1' }, channels: ['sms', 'push'] });
    assert.deepEqual(Object.keys(out.channels).sort(), ['push', 'sms']);
  });

  test('the webhook body renders every string leaf, at any depth, and keeps keys and other values', () => {
    const def = parse({
      channels: {
        webhook: {
          body: { '{{ key }}': '{{ key }}', deep: { list: [['{{ n | plus: 1 }}', 2.5], { flag: false }], 'odd key': '{{ subscriber.id }}' } },
        },
      },
    });
    const out = renderTemplate(def, { data: { key: 'k', n: 1 }, subscriber: { id: 'u9' } });
    assert.deepEqual(out.channels.webhook!.body, { '{{ key }}': 'k', deep: { list: [['2', 2.5], { flag: false }], 'odd key': 'u9' } });
  });

  test('a webhook "__proto__" key stays a plain key', () => {
    const def = parse(JSON.parse('{"channels": {"webhook": {"body": {"__proto__": {"polluted": "{{ a }}"}}}}}'));
    const body = renderTemplate(def, { data: { a: 'yes' } }).channels.webhook!.body as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['__proto__']);
    assert.equal(Object.getPrototypeOf(body), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('a render that exceeds the work limit is a 400 naming the channel, field and locale', () => {
    const tight = createLiquidEngine({ workLimit: 10_000 });
    const def = parseTemplate('t', {
      channels: { sms: { text: 'ok' } },
      locales: { de: { sms: { text: '{% for i in (1..100000000) %}{{ i }}{% endfor %}' } } },
    }, tight);
    assert.equal(renderTemplate(def, { locale: 'en' }).channels.sms!.text, 'ok');
    assert.throws(() => renderTemplate(def, { locale: 'de' }), (error: unknown) => {
      assert.ok(error instanceof HeraldError);
      assert.equal(error.code, 40047);
      assert.match(error.message, /sms\.text \(locale de\) failed to render: the render exceeds its work limit of 10000 units/);
      return true;
    });
  });
});

describe('refused at PUT', () => {
  const cases: [string, unknown, RegExp][] = [
    ['an unclosed output', { channels: { push: { body: 'Hi {{ name ' } } }, /channels\.push\.body \(locale en, the default\) does not parse: output "\{\{ name " not closed \(line 1, column 4\)/],
    [
      'an unclosed if, in a locale',
      { channels: { email: { subject: 's', html: '<p>x</p>' } }, locales: { fr: { email: { html: '<p>\n{% if x %}oui' } } } },
      /locales\.fr\.email\.html \(locale fr\) does not parse: tag \{% if x %\} not closed \(line 2, column 1\)/,
    ],
    ['an unknown filter', { channels: { sms: { text: '{{ a | frobnicate }}' } } }, /channels\.sms\.text \(locale en, the default\) does not parse: undefined filter: frobnicate \(line 1/],
    ['include', { channels: { sms: { text: 'a {% include "secrets" %}' } } }, /channels\.sms\.text .*the "include" tag is not allowed/],
    ['render', { channels: { sms: { text: '{% render "x" %}' } } }, /the "render" tag is not allowed/],
    ['layout', { channels: { email: { subject: 's', html: '{% layout "base" %}' } } }, /the "layout" tag is not allowed/],
    ['include inside the liquid tag', { channels: { sms: { text: '{% liquid\ninclude "x"\n%}' } } }, /the "include" tag is not allowed/],
    ['a broken webhook leaf', { channels: { webhook: { body: { a: [{ b: '{{ x | nope }}' }] } } } }, /channels\.webhook\.body\.a\[0\]\.b \(locale en, the default\) does not parse: undefined filter: nope/],
    ['a body that is not an object', [], /the template must be a JSON object/],
    ['no channels', { default_locale: 'en' }, /channels is required/],
    ['empty channels', { channels: {} }, /channels must have at least one of push, email, sms, inapp, webhook/],
    ['an unknown channel', { channels: { fax: { text: 'x' } } }, /channels\.fax is not a channel/],
    ['an unknown field', { channels: { sms: { text: 'x', body: 'y' } } }, /channels\.sms\.body is not a field of sms; its fields are text/],
    ['an unknown top-level field', { channels: { sms: { text: 'x' } }, defaultLocale: 'en' }, /unknown field "defaultLocale"/],
    ['a missing required field', { channels: { push: { title: 't' } } }, /channels\.push\.body is required/],
    ['an email without a body', { channels: { email: { subject: 's' } } }, /channels\.email needs html, text or both/],
    ['a field that is not a string', { channels: { sms: { text: 42 } } }, /channels\.sms\.text must be a string/],
    ['an invalid default locale', { default_locale: 'not a locale', channels: { sms: { text: 'x' } } }, /default_locale: "not a locale" is not a BCP 47 language tag/],
    ['an invalid locale key', { channels: { sms: { text: 'x' } }, locales: { 'fr_FR!': { sms: { text: 'y' } } } }, /locales\."fr_FR!": "fr_FR!" is not a BCP 47 language tag/],
    ['a locale repeated in another case', { channels: { sms: { text: 'x' } }, locales: { 'fr-ca': {}, 'fr-CA': {} } }, /repeats the locale fr-CA/],
    ['the default locale among the overrides', { default_locale: 'en', channels: { sms: { text: 'x' } }, locales: { EN: {} } }, /locales\."EN" is the default locale/],
    ['an override of a missing channel', { channels: { sms: { text: 'x' } }, locales: { fr: { push: { body: 'y' } } } }, /locales\.fr\.push overrides a channel the default locale does not have/],
    ['an unknown field in an override', { channels: { sms: { text: 'x' } }, locales: { fr: { sms: { txt: 'y' } } } }, /locales\.fr\.sms\.txt is not a field of sms/],
    ['a field over 64 KiB', { channels: { sms: { text: 'é'.repeat(40_000) } } }, /channels\.sms\.text is 80000 bytes; at most 65536 are allowed/],
    ['a webhook body over 64 KiB', { channels: { webhook: { body: { a: 'x'.repeat(70_000) } } } }, /channels\.webhook\.body is \d+ bytes/],
    ['a webhook body nested too deep', { channels: { webhook: { body: JSON.parse('['.repeat(40) + ']'.repeat(40)) } } }, /channels\.webhook\.body is nested deeper than 32 levels/],
    ['a name in the body that differs', { name: 'other', channels: { sms: { text: 'x' } } }, /name "other" differs from the name in the path/],
    ['a bad category', { category: 'a b', channels: { sms: { text: 'x' } } }, /category must be/],
  ];
  for (const [what, json, expected] of cases) {
    test(what, () => assert.match(refused(() => parse(json)), expected));
  }

  test(`more than ${TEMPLATE_MAX_LOCALES} locales`, () => {
    const codes = ['af', 'am', 'ar', 'az', 'be', 'bg', 'bn', 'bs', 'ca', 'cs', 'cy', 'da', 'de', 'el', 'es', 'et', 'eu', 'fa', 'fi', 'fr', 'ga', 'gl', 'gu', 'he', 'hi',
      'hr', 'hu', 'hy', 'id', 'is', 'it', 'ja', 'ka', 'kk', 'km', 'kn', 'ko', 'lo', 'lt', 'lv', 'mk', 'ml', 'mn', 'mr', 'ms', 'my', 'nb', 'ne', 'nl', 'pa', 'pl'];
    assert.equal(codes.length, TEMPLATE_MAX_LOCALES + 1);
    const locales = Object.fromEntries(codes.map((c) => [c, { sms: { text: c } }]));
    assert.match(refused(() => parse({ channels: { sms: { text: 'x' } }, locales })), /locales has 51 entries; at most 50 are allowed/);
    assert.doesNotThrow(() => parse({ channels: { sms: { text: 'x' } }, locales: Object.fromEntries(Object.entries(locales).slice(0, 50)) }));
  });

  test('an invalid template name', () => {
    assert.match(refused(() => parse({ channels: { sms: { text: 'x' } } }, '../etc')), /template name "\.\.\/etc" must be/);
  });

  test('the engine reports the position of a syntax error', () => {
    assert.throws(() => engine.compile('line one\n  {{ a | nope }}', { html: false }), (error: unknown) => {
      assert.ok(error instanceof TemplateSyntaxError);
      assert.equal(error.line, 2);
      assert.equal(error.column, 3);
      assert.equal(error.reason, 'undefined filter: nope');
      return true;
    });
  });
});

describe('locales', () => {
  const available = ['fr', 'fr-CA', 'de', 'zh', 'zh-Hant', 'pt-BR'];

  test('localeChain walks from the most specific match to the default', () => {
    assert.deepEqual(localeChain('fr-CA', available, 'en'), ['fr-CA', 'fr', 'en']);
    assert.deepEqual(localeChain('fr-BE', available, 'en'), ['fr', 'en']);
    assert.deepEqual(localeChain('fr', available, 'en'), ['fr', 'en']);
    assert.deepEqual(localeChain('de-AT-u-ca-gregory', available, 'en'), ['de', 'en']);
  });

  test('localeChain matches case-insensitively and accepts POSIX spellings', () => {
    assert.deepEqual(localeChain('FR-ca', available, 'en'), ['fr-CA', 'fr', 'en']);
    assert.deepEqual(localeChain('pt_br', available, 'en'), ['pt-BR', 'en']);
    assert.deepEqual(localeChain('EN-gb', available, 'en'), ['en']);
  });

  test('unknown, invalid or absent requests get the default', () => {
    assert.deepEqual(localeChain('ja-JP', available, 'en'), ['en']);
    assert.deepEqual(localeChain('!!', available, 'en'), ['en']);
    assert.deepEqual(localeChain(undefined, available, 'en'), ['en']);
    assert.deepEqual(localeChain('', available, 'en'), ['en']);
  });

  test('Chinese scripts: zh-Hant-TW → zh-Hant → zh, and zh-TW finds zh-Hant', () => {
    assert.deepEqual(localeChain('zh-Hant-TW', available, 'en'), ['zh-Hant', 'zh', 'en']);
    assert.deepEqual(localeChain('zh-TW', available, 'en'), ['zh-Hant', 'zh', 'en']);
    assert.deepEqual(localeChain('zh-CN', available, 'en'), ['zh', 'en']);
    assert.deepEqual(localeChain('zh-Hant-TW', ['zh-Hant-TW', 'zh-Hant', 'zh'], 'en'), ['zh-Hant-TW', 'zh-Hant', 'zh', 'en']);
  });

  test('a render picks fr for fr-CA and falls back per field', () => {
    const def = parse(ORDER_SHIPPED);
    const data = { order: '7' };
    const frBE = renderTemplate(def, { locale: 'fr-BE', data });
    assert.equal(frBE.locale, 'fr');
    assert.equal(frBE.channels.push!.title, 'Commande 7 expédiée');
    assert.equal(frBE.channels.push!.url, 'https://shop.example/o/7', 'the url falls back to the default');
    assert.equal(frBE.channels.sms!.text, 'Commande 7 expédiée');
    assert.equal(frBE.channels.email!.subject, 'Your order 7', 'email is not overridden at all');

    const frCA = renderTemplate(def, { locale: 'fr-CA', data });
    assert.equal(frCA.locale, 'fr-CA');
    assert.equal(frCA.channels.sms!.text, 'Commande 7 en route');
    assert.equal(frCA.channels.push!.title, 'Commande 7 expédiée', 'fr-CA has no push title: fr is next');
  });

  test("the subscriber's locale is used when the call names none", () => {
    const def = parse(ORDER_SHIPPED);
    assert.equal(renderTemplate(def, { data: { order: '1' }, subscriber: { id: 'u', locale: 'fr' } }).locale, 'fr');
    assert.equal(renderTemplate(def, { locale: 'de', subscriber: { id: 'u', locale: 'fr' } }).locale, 'en');
  });

  test('locale keys and the default are stored canonically', () => {
    const def = parse({ default_locale: 'EN-us', channels: { sms: { text: 'x' } }, locales: { 'pt-br': { sms: { text: 'y' } } } });
    assert.equal(def.defaultLocale, 'en-US');
    assert.deepEqual(Object.keys(def.locales), ['pt-BR']);
    assert.equal(renderTemplate(def, { locale: 'pt-BR' }).channels.sms!.text, 'y');
    assert.equal(renderTemplate(def, { locale: 'en' }).channels.sms!.text, 'x');
  });

  test("email text goes with the locale's own html rather than the default's text", () => {
    const def = parse({
      channels: { email: { subject: 'Hi', html: '<p>Hello</p>', text: 'Hello (text)' } },
      locales: { fr: { email: { html: '<p>Bonjour</p>' } }, de: { email: { text: 'Hallo' } } },
    });
    assert.deepEqual(renderTemplate(def, { locale: 'fr' }).channels.email, { subject: 'Hi', html: '<p>Bonjour</p>', text: 'Bonjour' });
    assert.deepEqual(renderTemplate(def, { locale: 'de' }).channels.email, { subject: 'Hi', html: '<p>Hello</p>', text: 'Hallo' });
    assert.deepEqual(renderTemplate(def, {}).channels.email, { subject: 'Hi', html: '<p>Hello</p>', text: 'Hello (text)' });
  });
});

describe('email text derived from html', () => {
  test('an html-only email gets a text part', () => {
    const def = parse({ channels: { email: { subject: 'S', html: '<h1>Hi {{ name }}</h1><p>Your <b>order</b> &amp; more.<br>Thanks</p>' } } });
    const out = renderTemplate(def, { data: { name: 'Ann & <Bob>' } });
    assert.equal(out.channels.email!.text, 'Hi Ann & <Bob>\n\nYour order & more.\nThanks');
  });

  test('htmlToText drops what a reader does not see', () => {
    const html = `<!DOCTYPE html><html><head><title>T</title><style>p { color: red }</style></head>
      <body><!--[if mso]><table><tr><td>outlook</td></tr></table><![endif]-->
      <div style="display:none;max-height:0">preheader</div><script>alert(1)</script>
      <p>Shown</p><span hidden>nope</span><template><p>never</p></template></body></html>`;
    assert.equal(htmlToText(html), 'Shown');
  });

  test('htmlToText keeps links, lists, rules, tables and pre', () => {
    assert.equal(htmlToText('<p>See <a href="https://x.example/a?b=1&amp;c=2">the order</a>.</p>'), 'See the order (https://x.example/a?b=1&c=2).');
    assert.equal(htmlToText('<a href="https://x.example">https://x.example</a>'), 'https://x.example');
    assert.equal(htmlToText('<a href="mailto:help@x.example">help@x.example</a>'), 'help@x.example');
    assert.equal(htmlToText('<a href="#top">Top</a> <a href="javascript:void(0)">JS</a>'), 'Top JS');
    assert.equal(htmlToText('<a href="https://x.example"><img src="l.png" alt="Logo"></a>'), 'Logo (https://x.example)');
    assert.equal(htmlToText('<a href="https://x.example"><img src="l.png"></a>'), 'https://x.example');
    assert.equal(htmlToText('<ul><li>one</li><li>two<ol start="3"><li>a</li><li>b</li></ol></li></ul><p>after</p>'), '- one\n- two\n  3. a\n  4. b\n\nafter');
    assert.equal(htmlToText('a<hr>b'), 'a\n---\nb');
    assert.equal(htmlToText('<table><tr><td>Item</td><td>Qty</td></tr><tr><td>Book</td><td>2</td></tr></table>'), 'Item Qty\nBook 2');
    assert.equal(htmlToText('<pre>  line 1\n    line 2</pre><p>x   y</p>'), '  line 1\n    line 2\n\nx y');
  });

  test('htmlToText collapses whitespace and decodes references', () => {
    assert.equal(htmlToText('  a \n\t b  <br><br><br><br> c '), 'a b\n\nc');
    assert.equal(htmlToText('&lt;tag&gt; &quot;q&quot; &#39;s&#x27; &euro;&nbsp;5 &copy; &unknown; &#0; &#x1F600;'), `<tag> "q" 's' € 5 © &unknown; \ufffd 😀`);
    assert.equal(htmlToText('1 < 2 and 3 > 2'), '1 < 2 and 3 > 2');
    assert.equal(htmlToText('<p title="a > b">text</p><p data-x=\'it"s\'>more</p>'), 'text\n\nmore');
    assert.equal(htmlToText('<div><div><p>nested</p></div></div><div>next</div>'), 'nested\n\nnext');
    assert.equal(htmlToText('<P>Upper<BR>case</P><SCRIPT>x</SCRIPT>'), 'Upper\ncase');
    assert.equal(htmlToText('unterminated <b'), 'unterminated');
    assert.equal(htmlToText(''), '');
  });

  // No speed assertion (speed belongs in bench/): a quadratic scan of these 150-200 kB inputs runs
  // for minutes, so it fails by the test's timeout, while a linear one returns at once.
  test('htmlToText is linear on hostile input', { timeout: 60_000 }, () => {
    const unclosed = htmlToText('<a '.repeat(50_000) + '<!--'.repeat(50_000) + '<p title="'.repeat(50_000) + '&#'.repeat(50_000));
    assert.equal(typeof unclosed, 'string');
    assert.ok(!unclosed.includes('<p title='), 'unclosed tags are not passed through as text');
    assert.equal(htmlToText('<div style="display:none">'.repeat(20_000) + 'x').trim(), '', 'hidden content stays hidden');
  });
});

describe('engine', () => {
  test('compiled templates are cached by source and mode', () => {
    const a = engine.compile('{{ x }}', { html: true });
    assert.equal(engine.compile('{{ x }}', { html: true }), a);
    const plain = engine.compile('{{ x }}', { html: false });
    assert.notEqual(plain, a);
    assert.equal(a.render({ x: '<' }), '&lt;');
    assert.equal(plain.render({ x: '<' }), '<');
  });

  test('the cache is bounded', () => {
    const small = createLiquidEngine({ cacheSize: 2 });
    const first = small.compile('1', { html: false });
    small.compile('2', { html: false });
    small.compile('3', { html: false });
    assert.notEqual(small.compile('1', { html: false }), first);
  });

  test('render failures are TemplateRenderErrors', () => {
    const t = createLiquidEngine({ workLimit: 100 }).compile('{% for i in (1..1000) %}{% endfor %}', { html: false });
    assert.throws(() => t.render({}), (error: unknown) => error instanceof TemplateRenderError && error.limit);
    const bad = createLiquidEngine().compile('{{ list | where_exp: "a", "(" }}', { html: false });
    assert.throws(() => bad.render({ list: [1] }), (error: unknown) => error instanceof TemplateRenderError && !error.limit);
  });

  test('dates default to UTC', () => {
    assert.equal(engine.compile('{{ t | date: "%H:%M" }}', { html: false }).render({ t: '2026-01-01T12:30:00Z' }), '12:30');
    assert.equal(engine.compile('{{ t | date: "%H:%M", "Asia/Tokyo" }}', { html: false }).render({ t: '2026-01-01T12:30:00Z' }), '21:30');
  });
});

test('templateToJson is the inverse of parseTemplate', () => {
  const def = parse(ORDER_SHIPPED);
  const json = templateToJson(def);
  assert.equal(json.default_locale, 'en');
  assert.equal(json.category, 'orders');
  const again = parse(json);
  assert.deepEqual(templateToJson(again), json);
  assert.deepEqual(JSON.parse(JSON.stringify(json)), { name: 'order-shipped', ...ORDER_SHIPPED });
});
