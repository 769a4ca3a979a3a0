import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalyticsExporter, type ExportMetrics } from '../../src/core/analytics/analytics-exporter.js';
import { ExportBuffer } from '../../src/core/analytics/export-buffer.js';
import { createTableSql, insertSql, parseTableName } from '../../src/adapters/postgres/analytics/delivery-events-sql.js';
import type { DeliveryEventRow, DeliveryEventSink } from '../../src/ports/delivery-event-sink.js';
import { silentLogger } from '../../src/ports/logger.js';
import { eventually } from '../helpers/wait.js';

describe('export buffer', () => {
  test('takes rows oldest first, in batches', () => {
    const b = new ExportBuffer<number>(10);
    assert.equal(b.push([1, 2, 3, 4, 5]), 0);
    assert.deepEqual(b.take(2), [1, 2]);
    assert.deepEqual(b.take(10), [3, 4, 5]);
    assert.equal(b.size, 0);
    assert.deepEqual(b.take(3), []);
  });

  test('past its limit the oldest rows are dropped and counted', () => {
    const b = new ExportBuffer<number>(3);
    assert.equal(b.push([1, 2]), 0);
    assert.equal(b.push([3, 4, 5]), 2);
    assert.equal(b.size, 3);
    assert.deepEqual(b.take(5), [3, 4, 5]);
  });

  test('rows put back go first, and are the first dropped when the buffer is full', () => {
    const b = new ExportBuffer<number>(4);
    b.push([1, 2, 3]);
    const taken = b.take(2);
    b.push([4, 5]);
    assert.equal(b.putBack(taken), 1, 'five rows for four places: the oldest goes');
    assert.deepEqual(b.take(10), [2, 3, 4, 5]);
  });

  test('stays correct across many pushes and takes', () => {
    const b = new ExportBuffer<number>(100_000);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      b.push(Array.from({ length: 3000 }, () => next++));
      for (const n of b.take(2500)) assert.equal(n, expected++);
    }
    assert.equal(b.size, next - expected);
  });

  test('a limit below one row is refused', () => {
    assert.throws(() => new ExportBuffer(0), RangeError);
  });
});

const row = (n: number): DeliveryEventRow => ({
  at: n, kind: 'push', messageId: `p${n}`, deliveryId: null, deviceId: null, subscriberId: null, provider: 'fcm', channel: null, app: 'default',
  platform: null, category: null, state: 'sent', error: null, status: null, latencyMs: 1, attempt: 1,
});

/** A sink that stores what it is given, or fails while `down`. */
function memorySink() {
  const written: DeliveryEventRow[][] = [];
  let down = false;
  let closed = false;
  const sink: DeliveryEventSink & { written: DeliveryEventRow[][]; down: boolean; closed: boolean } = {
    written,
    get down() { return down; },
    set down(v) { down = v; },
    get closed() { return closed; },
    async write(rows) {
      if (down) throw new Error('database down');
      written.push([...rows]);
    },
    async close() {
      closed = true;
    },
  };
  return sink;
}

function countingMetrics() {
  const m = { exported: 0, dropped: 0, failed: 0, flushes: 0 };
  const metrics: ExportMetrics = {
    exported: (n) => (m.exported += n),
    dropped: (n) => (m.dropped += n),
    failed: () => m.failed++,
    flushed: () => m.flushes++,
  };
  return { m, metrics };
}

describe('analytics exporter', () => {
  test('a full batch is written at once, without waiting for the timer', async () => {
    const sink = memorySink();
    const { m, metrics } = countingMetrics();
    // The interval is far beyond the test's deadline: only the batch size can cause the write.
    const exporter = new AnalyticsExporter({ sink, logger: silentLogger, metrics, options: { batchSize: 3, flushIntervalMs: 3_600_000, bufferLimit: 100 } });
    exporter.start();
    exporter.add([row(1), row(2)]);
    assert.equal(sink.written.length, 0, 'two rows wait for a third or the timer');
    exporter.add([row(3)]);
    await eventually('the batch written', () => m.exported === 3);
    assert.deepEqual(sink.written.flat().map((r) => r.at), [1, 2, 3]);
    await exporter.stop({ timeoutMs: 5000 });
  });

  test('the timer writes a partial batch', async () => {
    const sink = memorySink();
    const { m, metrics } = countingMetrics();
    const exporter = new AnalyticsExporter({ sink, logger: silentLogger, metrics, options: { batchSize: 100, flushIntervalMs: 10, bufferLimit: 1000 } });
    exporter.start();
    exporter.add([row(1)]);
    await eventually('the row written', () => m.exported === 1);
    assert.equal(m.flushes, 1);
    await exporter.stop({ timeoutMs: 5000 });
  });

  test('while the database is down rows wait, the oldest past the limit are dropped, and the rest go once it is back', async () => {
    const sink = memorySink();
    sink.down = true;
    const { m, metrics } = countingMetrics();
    const exporter = new AnalyticsExporter({ sink, logger: silentLogger, metrics, options: { batchSize: 2, flushIntervalMs: 10, bufferLimit: 5 } });
    exporter.start();
    exporter.add([row(1), row(2)]);
    await eventually('a failed write', () => m.failed >= 1);
    exporter.add([row(3), row(4), row(5), row(6), row(7)]);
    // A write may be in flight with rows 1 and 2: they are dropped when it fails and they come back.
    await eventually('the two oldest of seven rows dropped (five places)', () => m.dropped === 2);
    assert.equal(exporter.buffered, 5);
    sink.down = false;
    await eventually('the rest written', () => m.exported === 5);
    assert.deepEqual(sink.written.flat().map((r) => r.at), [3, 4, 5, 6, 7]);
    await exporter.stop({ timeoutMs: 5000 });
  });

  test('stop writes what is buffered and closes the sink; rows it cannot write are counted as dropped', async () => {
    const sink = memorySink();
    const { m, metrics } = countingMetrics();
    const exporter = new AnalyticsExporter({ sink, logger: silentLogger, metrics, options: { batchSize: 10, flushIntervalMs: 3_600_000, bufferLimit: 100 } });
    exporter.start();
    exporter.add([row(1), row(2)]);
    await exporter.stop({ timeoutMs: 5000 });
    assert.equal(m.exported, 2);
    assert.ok(sink.closed);

    const downSink = memorySink();
    downSink.down = true;
    const counted = countingMetrics();
    const stuck = new AnalyticsExporter({ sink: downSink, logger: silentLogger, metrics: counted.metrics, options: { batchSize: 10, flushIntervalMs: 3_600_000, bufferLimit: 100 } });
    stuck.add([row(1), row(2), row(3)]);
    await stuck.stop({ timeoutMs: 5000 });
    assert.equal(counted.m.dropped, 3);
    assert.equal(stuck.buffered, 0);
  });
});

describe('delivery events SQL', () => {
  test('table names are plain identifiers, optionally schema-qualified, and quoted', () => {
    assert.deepEqual(parseTableName('herald_delivery_events'), { qualified: '"herald_delivery_events"', base: 'herald_delivery_events' });
    assert.deepEqual(parseTableName('analytics.events'), { qualified: '"analytics"."events"', base: 'events' });
    for (const bad of ['', 'a.b.c', 'x; DROP TABLE y', '"q"', '1abc', 'a-b']) assert.throws(() => parseTableName(bad), RangeError, bad);
  });

  test('the INSERT numbers its parameters row by row and the table has its indexes', () => {
    const sql = insertSql(parseTableName('t'), 2);
    assert.match(sql, /^INSERT INTO "t" \(at,kind,/);
    assert.match(sql, /VALUES \(to_timestamp\(\$1::double precision \/ 1000\),\$2,.*\$16\),\(to_timestamp\(\$17::double precision \/ 1000\),.*\$32\)$/);
    const ddl = createTableSql(parseTableName('s.t')).join('\n');
    assert.match(ddl, /CREATE TABLE IF NOT EXISTS "s"."t"/);
    assert.match(ddl, /CREATE INDEX IF NOT EXISTS "t_at" ON "s"."t" \(at\)/);
    assert.match(ddl, /CREATE INDEX IF NOT EXISTS "t_state_at" ON "s"."t" \(state, at\)/);
  });
});
