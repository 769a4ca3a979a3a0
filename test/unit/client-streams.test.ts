import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../clients/typescript/src/backoff.js';
import { lines, serverSentEvents } from '../../clients/typescript/src/sse.js';

/** A body arriving in the given chunks, as a network would cut it. */
function body(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('typed client: stream parsing', () => {
  test('lines are joined across chunks, CRLF reads as LF, and a last line without LF is kept', async () => {
    assert.deepEqual(await all(lines(body('{"a":', '1}\r\n{"b"', ':2}\n', 'tail'))), ['{"a":1}', '{"b":2}', 'tail']);
  });

  test('a character split between chunks is decoded whole', async () => {
    const bytes = new TextEncoder().encode('é\n');
    const split = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, 1));
        c.enqueue(bytes.slice(1));
        c.close();
      },
    });
    assert.deepEqual(await all(lines(split)), ['é']);
  });

  test('server-sent events: names, ids, multi-line data; comments skipped; a cut-off event dropped', async () => {
    const events = await all(serverSentEvents(body(': keepalive\n\n', 'data: {"x":1}\n\n', 'event: unread\nid: 7\ndata: a\ndata:b\n\n', 'event: item\ndata: {"half"')));
    assert.deepEqual(events, [{ event: 'message', data: '{"x":1}' }, { event: 'unread', data: 'a\nb', id: '7' }]);
  });
});

describe('typed client: reconnect backoff', () => {
  const cases: [attempt: number, random: number, expected: number][] = [
    [0, 0.999, 499], [1, 0.5, 500], [3, 0.5, 2000], [10, 0.999, 29_970], [100, 0.5, 15_000], [0, 0, 0],
  ];
  for (const [attempt, random, expected] of cases) {
    test(`attempt ${attempt} with random ${random} waits ${expected} ms`, () => {
      assert.equal(backoffDelay(attempt, {}, () => random), expected);
    });
  }

  test('the limits given replace the defaults', () => {
    assert.equal(backoffDelay(5, { initialMs: 20, maxMs: 200 }, () => 0.5), 100);
  });
});
