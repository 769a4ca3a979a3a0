import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WsFrameReader, pongFrame, scanReceipts } from '../../bench/lib/receipts.js';

const event = (t: string, i: number) => `data: {"id":"abc","time":1,"event":"message","topic":"fanout","message":"t=${t} i=${i}"}\n\n`;

/** Feeds `chunks` through scanReceipts with a carried tail, as the SSE client does. */
function feed(chunks: Buffer[]): Array<[number, number]> {
  const got: Array<[number, number]> = [];
  let tail: Buffer | undefined;
  for (const chunk of chunks) {
    const buf = tail ? Buffer.concat([tail, chunk]) : chunk;
    const keep = scanReceipts(buf, 0, buf.length, (t, i) => got.push([t, i]));
    tail = keep < buf.length ? Buffer.from(buf.subarray(keep)) : undefined;
  }
  return got;
}

test('scanReceipts finds every receipt in a stream, however the chunks cut it', () => {
  const stream = Buffer.from(`event: open\ndata: {"event":"open"}\n\n${event('1765040000123.456', 0)}: keepalive\n\n${event('1765040000200.5', 1)}${event('1765040000300', 12)}`);
  const expected: Array<[number, number]> = [[1765040000123.456, 0], [1765040000200.5, 1], [1765040000300, 12]];
  assert.deepEqual(feed([stream]), expected);
  for (let size = 1; size <= 40; size++) {
    const chunks: Buffer[] = [];
    for (let at = 0; at < stream.length; at += size) chunks.push(stream.subarray(at, at + size));
    const got = feed(chunks);
    assert.equal(got.length, 3, `chunks of ${size} bytes`);
    got.forEach(([t, i], n) => {
      assert.equal(i, expected[n]![1]);
      assert.ok(Math.abs(t - expected[n]![0]) < 1e-3, `chunks of ${size}: ${t}`);
    });
  }
});

test('scanReceipts ignores a message that only looks like a receipt', () => {
  assert.deepEqual(feed([Buffer.from('data: {"message":"t=12 x=3"}\n\ndata: {"message":"t=5 i=2"}\n\n')]), [[5, 2]]);
});

/** A server-to-client frame (unmasked). */
function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff]);
  return Buffer.concat([head, payload]);
}

test('WsFrameReader reads receipts from text frames, answers pings and sees a close, across any chunking', () => {
  const json = (i: number) => Buffer.from(`{"id":"x","event":"message","topic":"fanout","message":"t=1000.25 i=${i}","padding":"${'p'.repeat(120)}"}\n`);
  const stream = Buffer.concat([frame(1, Buffer.from('{"event":"open"}\n')), frame(1, json(0)), frame(9, Buffer.from('hi')), frame(1, json(1)), frame(8, Buffer.alloc(0))]);
  for (let size = 1; size <= stream.length; size += 7) {
    const got: number[] = [];
    const pings: string[] = [];
    let first = 0;
    let closed = 0;
    const reader = new WsFrameReader({ onPing: (p) => pings.push(p.toString()), onClose: () => closed++, onFirstData: () => first++ }, (t, i) => {
      assert.equal(t, 1000.25);
      got.push(i);
    });
    for (let at = 0; at < stream.length; at += size) reader.push(stream.subarray(at, at + size));
    assert.deepEqual(got, [0, 1], `chunks of ${size} bytes`);
    assert.deepEqual(pings, ['hi']);
    assert.equal(first, 1);
    assert.equal(closed, 1);
  }
});

test('pongFrame is a masked pong carrying the ping payload', () => {
  const pong = pongFrame(Buffer.from('hi'));
  assert.equal(pong[0], 0x8a);
  assert.equal(pong[1], 0x80 | 2);
  assert.deepEqual([...pong.subarray(2, 6)], [0, 0, 0, 0]);
  assert.equal(pong.subarray(6).toString(), 'hi');
});
