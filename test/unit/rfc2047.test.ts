import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRfc2047 } from '../../src/util/rfc2047.js';

const cases: Array<[string, string, string]> = [
  ['plain text passes through', 'Hello, world', 'Hello, world'],
  ['empty string', '', ''],
  ['UTF-8 base64', '=?UTF-8?B?8J+HqfCfh6o=?=', '🇩🇪'],
  ['UTF-8 quoted-printable', '=?UTF-8?Q?=C3=84pfel?=', 'Äpfel'],
  ['lowercase charset and encoding', '=?utf-8?q?=C3=84pfel?=', 'Äpfel'],
  ['lowercase b', '=?utf-8?b?w4RwZmVs?=', 'Äpfel'],
  ['base64 without padding', '=?UTF-8?B?w4RwZmVs?=', 'Äpfel'],
  ['Q underscore is a space', '=?UTF-8?Q?Hello_World?=', 'Hello World'],
  ['Q lowercase hex', '=?UTF-8?Q?=c3=a4?=', 'ä'],
  ['ISO-8859-1', '=?ISO-8859-1?Q?caf=E9?=', 'café'],
  ['latin1 alias', '=?latin1?B?Y2Fm6Q==?=', 'café'],
  ['ISO-8859-1 keeps C1 range exact', '=?ISO-8859-1?Q?=80?=', '\u0080'],
  ['US-ASCII', '=?US-ASCII?Q?Keith_Moore?=', 'Keith Moore'],
  ['language suffix ignored', '=?UTF-8*en?Q?hi?=', 'hi'],
  ['text around a word', 'Re: =?UTF-8?Q?=C3=84pfel?= today', 'Re: Äpfel today'],
  ['adjacent words joined across a space', '=?UTF-8?Q?a?= =?UTF-8?Q?b?=', 'ab'],
  ['adjacent words joined across folding', '=?UTF-8?Q?a?=\r\n\t=?UTF-8?Q?b?=', 'ab'],
  ['adjacent words with no gap', '=?UTF-8?Q?a?==?UTF-8?Q?b?=', 'ab'],
  ['a multibyte char split across words', '=?UTF-8?B?8J+H?= =?UTF-8?B?qfCfh6o=?=', '🇩🇪'],
  ['split Q words', '=?UTF-8?Q?=C3?= =?UTF-8?Q?=84pfel?=', 'Äpfel'],
  ['adjacent words in different charsets', '=?ISO-8859-1?Q?caf=E9?= =?UTF-8?Q?_=C3=84?=', 'café Ä'],
  ['other charsets via TextDecoder', '=?ISO-8859-15?Q?=A4?=', '€'],
  ['text between words is kept', '=?UTF-8?Q?a?= and =?UTF-8?Q?b?=', 'a and b'],
  ['space in Q must be encoded', '=?UTF-8?Q?a b?=', '=?UTF-8?Q?a b?='],
  ['bad Q escape left alone', '=?UTF-8?Q?=ZZ?=', '=?UTF-8?Q?=ZZ?='],
  ['truncated Q escape left alone', '=?UTF-8?Q?abc=4?=', '=?UTF-8?Q?abc=4?='],
  ['bad base64 left alone', '=?UTF-8?B?@@@@?=', '=?UTF-8?B?@@@@?='],
  ['unknown encoding left alone', '=?UTF-8?X?abc?=', '=?UTF-8?X?abc?='],
  ['unknown charset left alone', '=?x-nonsense?Q?abc?=', '=?x-nonsense?Q?abc?='],
  ['invalid UTF-8 left alone', '=?UTF-8?Q?=FF?=', '=?UTF-8?Q?=FF?='],
  ['unterminated word left alone', '=?UTF-8?Q?abc', '=?UTF-8?Q?abc'],
  ['space next to a malformed word is kept', '=?UTF-8?Q?=ZZ?= =?UTF-8?Q?b?=', '=?UTF-8?Q?=ZZ?= b'],
  ['space next to an undecodable word is kept', '=?UTF-8?Q?=FF?= =?ISO-8859-1?Q?b?=', '=?UTF-8?Q?=FF?= b'],
  ['space after an undecodable word is kept', '=?ISO-8859-1?Q?a?= =?UTF-8?Q?=FF?=', 'a =?UTF-8?Q?=FF?='],
  ['a string with =? but no word', 'x =? y ?= z', 'x =? y ?= z'],
];

for (const [name, input, expected] of cases) {
  test(`decodeRfc2047: ${name}`, () => {
    assert.equal(decodeRfc2047(input), expected);
  });
}
