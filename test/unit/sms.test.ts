import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isE164, smsSegments } from '../../src/util/sms.js';

test('isE164 takes + and 2 to 15 digits, the first not 0', () => {
  for (const good of ['+14155550123', '+447911123456', '+12', '+123456789012345', '+33612345678']) assert.equal(isE164(good), true, good);
  for (const bad of ['14155550123', '+', '+1', '+0123456789', '+1234567890123456', '+1 415 555 0123', '+1-415', ' +14155550123', '+14155550123\n', '+１２３', '', '++14155550123']) {
    assert.equal(isE164(bad), false, JSON.stringify(bad));
  }
});

test('GSM-7: 160 septets are one segment, 161 are two', () => {
  assert.deepEqual(smsSegments('a'.repeat(160)), { encoding: 'GSM-7', segments: 1, units: 160 });
  assert.deepEqual(smsSegments('a'.repeat(161)), { encoding: 'GSM-7', segments: 2, units: 161 });
});

test('GSM-7: concatenated segments carry 153 septets', () => {
  assert.deepEqual(smsSegments('a'.repeat(306)), { encoding: 'GSM-7', segments: 2, units: 306 });
  assert.deepEqual(smsSegments('a'.repeat(307)), { encoding: 'GSM-7', segments: 3, units: 307 });
  assert.deepEqual(smsSegments('a'.repeat(459)), { encoding: 'GSM-7', segments: 3, units: 459 });
});

test('GSM-7: the whole basic set, accents and Greek capitals included, stays GSM-7', () => {
  const basic = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
  assert.equal([...basic].length, 127, 'the 128 codes minus the escape');
  assert.deepEqual(smsSegments(basic), { encoding: 'GSM-7', segments: 1, units: 127 });
});

test('GSM-7: extension characters (the euro sign among them) cost two septets', () => {
  assert.deepEqual(smsSegments('€'), { encoding: 'GSM-7', segments: 1, units: 2 });
  assert.deepEqual(smsSegments('^{}\\[~]|€\f'), { encoding: 'GSM-7', segments: 1, units: 20 });
  // 80 euro signs are exactly 160 septets: one segment; one more character tips it over.
  assert.deepEqual(smsSegments('€'.repeat(80)), { encoding: 'GSM-7', segments: 1, units: 160 });
  assert.deepEqual(smsSegments('€'.repeat(80) + 'a'), { encoding: 'GSM-7', segments: 2, units: 161 });
  assert.deepEqual(smsSegments('a'.repeat(159) + '€'), { encoding: 'GSM-7', segments: 2, units: 161 });
});

test('GSM-7: an escape pair is never split, so a segment may end one septet short', () => {
  // 152 septets then a euro sign: 154 would not fit in the first part, so it starts the second.
  const text = 'a'.repeat(152) + '€' + 'a'.repeat(152);
  assert.equal(smsSegments(text).units, 306);
  assert.equal(smsSegments(text).segments, 3, 'split at 152 | 2 + 152, not at 153');
  assert.equal(smsSegments('a'.repeat(153) + '€' + 'a'.repeat(151)).segments, 2, 'a pair exactly at the seam fits');
});

test('UCS-2: any character outside GSM switches the whole text; 70 units alone, 67 concatenated', () => {
  assert.deepEqual(smsSegments('я'.repeat(70)), { encoding: 'UCS-2', segments: 1, units: 70 });
  assert.deepEqual(smsSegments('я'.repeat(71)), { encoding: 'UCS-2', segments: 2, units: 71 });
  assert.deepEqual(smsSegments('я'.repeat(134)), { encoding: 'UCS-2', segments: 2, units: 134 });
  assert.deepEqual(smsSegments('я'.repeat(135)), { encoding: 'UCS-2', segments: 3, units: 135 });
  // One non-GSM character in otherwise plain text: 160 letters become 3 UCS-2 segments.
  assert.deepEqual(smsSegments('a'.repeat(159) + 'ç'), { encoding: 'UCS-2', segments: 3, units: 160 });
  // Extension characters are single UTF-16 units once the text is UCS-2.
  assert.deepEqual(smsSegments('€я'), { encoding: 'UCS-2', segments: 1, units: 2 });
});

test('UCS-2: an emoji is a surrogate pair, two units, never split across segments', () => {
  assert.deepEqual(smsSegments('😀'), { encoding: 'UCS-2', segments: 1, units: 2 });
  assert.deepEqual(smsSegments('😀'.repeat(35)), { encoding: 'UCS-2', segments: 1, units: 70 });
  assert.deepEqual(smsSegments('😀'.repeat(35) + 'a'), { encoding: 'UCS-2', segments: 2, units: 71 });
  // 66 units then an emoji: 68 would overflow the 67-unit part, so the pair starts the next one
  // and 134 units (2 × 67) need three parts instead of two.
  const text = 'a'.repeat(66) + '😀' + 'a'.repeat(66);
  assert.equal(smsSegments(text).units, 134);
  assert.equal(smsSegments(text).segments, 3);
  assert.equal(smsSegments('a'.repeat(65) + '😀' + 'a'.repeat(67)).segments, 2, 'a pair exactly at the seam fits');
});

test('the empty text takes no segment', () => {
  assert.deepEqual(smsSegments(''), { encoding: 'GSM-7', segments: 0, units: 0 });
});
