import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { callTwiml, checkCallFormat, DEFAULT_CALL_FORMAT, TWIML_MAX_CHARS, xmlEscape } from '../../src/core/calls/call-twiml.js';
import { isCallValue, isCallYes } from '../../src/core/calls/call-value.js';

describe('X-Call values', () => {
  const rows: [string, boolean, boolean][] = [
    // value, accepted shape, means "first number"
    ['yes', true, true], ['YES', true, true], ['true', true, true], ['1', true, true],
    ['no', true, false], ['false', true, false], ['0', true, false],
    ['+14155550101', true, false], ['+4915112345678', true, false],
    ['14155550101', false, false], ['+0123', false, false], ['+1 415 555', false, false], ['+1234567890123456', false, false],
    ['please', false, false], ['', false, false],
  ];
  for (const [value, shape, yes] of rows) {
    test(JSON.stringify(value), () => {
      assert.equal(isCallValue(value), shape);
      assert.equal(isCallYes(value), yes);
    });
  }
});

describe('call TwiML', () => {
  const fields = { topic: 'alerts', title: 'Disk <sda>', message: 'Almost "full" & hot', priority: 5, tags: ['a&b', 'c'], sender: "o'neil" };

  test('the default format speaks topic, title, message and sender, escaped', () => {
    const twiml = callTwiml(DEFAULT_CALL_FORMAT, fields);
    assert.match(twiml, /^<Response>[\s\S]*<\/Response>$/);
    for (const part of ['alerts', 'Disk &lt;sda&gt;', 'Almost &quot;full&quot; &amp; hot', 'o&apos;neil']) assert.ok(twiml.includes(part), part);
    assert.ok(!twiml.includes('<sda>'));
  });

  test('the default format leaves the title out when there is none', () => {
    const { title: _, ...untitled } = fields;
    assert.ok(!/\.\s*<break time="500ms"\/>/.test(callTwiml(DEFAULT_CALL_FORMAT, untitled)));
  });

  test('a custom format gets every field', () => {
    const twiml = callTwiml('<Response><Say>{{.Topic}}|{{.Title}}|{{.Message}}|{{.Priority}}|{{range .Tags}}[{{.}}]{{end}}|{{.Sender}}</Say></Response>', fields);
    assert.equal(twiml, '<Response><Say>alerts|Disk &lt;sda&gt;|Almost &quot;full&quot; &amp; hot|5|[a&amp;b][c]|o&apos;neil</Say></Response>');
    assert.equal(callTwiml('<Response><Say>{{.Priority}}</Say></Response>', { topic: 't', message: 'm', sender: 's' }), '<Response><Say>3</Say></Response>', 'default priority');
  });

  test('a message too long for Twilio is cut to fit, never inside an escape', () => {
    for (const message of ['x'.repeat(5000), '&'.repeat(4000), 'ab<'.repeat(1500), '😀'.repeat(3000)]) {
      const twiml = callTwiml(DEFAULT_CALL_FORMAT, { ...fields, message });
      assert.ok(twiml.length <= TWIML_MAX_CHARS, `${twiml.length} for ${message.slice(0, 3)}`);
      assert.ok(twiml.includes('…'), 'the cut is marked');
      assert.ok(!/&[a-z]*…/.test(twiml), 'no entity is cut in half');
    }
  });

  test('a format that does not parse is refused at start', () => {
    assert.throws(() => checkCallFormat('<Response>{{.Message</Response>'), /twilio-call-format/);
    assert.throws(() => checkCallFormat('<Response>{{template "x"}}</Response>'), /twilio-call-format/);
    checkCallFormat(DEFAULT_CALL_FORMAT);
  });

  test('xmlEscape covers the five XML specials', () => {
    assert.equal(xmlEscape(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});
