import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headerText } from '../../src/util/header-text.js';

/** How Node hands over a header whose bytes are `bytes`: one Latin-1 character per byte. */
const asNodeSees = (bytes: Buffer): string => bytes.toString('latin1');

test('header values sent as raw UTF-8 are read as UTF-8', () => {
  for (const text of ['Grüße', '文件.txt', 'отчёт', 'emoji 🎉', 'a\u00a0b']) {
    assert.equal(headerText(asNodeSees(Buffer.from(text, 'utf8'))), text);
  }
});

test('values that are not valid UTF-8 stay Latin-1, ASCII stays as is, RFC 2047 words are still decoded', () => {
  assert.equal(headerText(asNodeSees(Buffer.from([0x63, 0x61, 0x66, 0xe9]))), 'café', 'a lone 0xE9 is Latin-1 é');
  assert.equal(headerText(asNodeSees(Buffer.from([0xc3]))), '\u00c3', 'a truncated sequence is kept verbatim');
  assert.equal(headerText('plain ascii'), 'plain ascii');
  assert.equal(headerText('=?UTF-8?B?8J+Ukg==?='), '🔒');
  assert.equal(headerText(`${asNodeSees(Buffer.from('Grüße'))} =?UTF-8?Q?caf=C3=A9?=`), 'Grüße café');
});
