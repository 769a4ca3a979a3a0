import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAILURE_LOG_EVERY_MS, FailureLog } from '../../src/util/failure-log.js';

function recorder() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string | undefined }[] = [];
  return {
    lines,
    info: (obj: object, msg?: string) => lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
    error: (obj: object, msg?: string) => lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
  };
}

describe('FailureLog', () => {
  it('logs the first failure at once, repeats once per interval with the count left out, and the recovery once', () => {
    let now = 1000;
    const sink = recorder();
    const log = new FailureLog(sink, 'queue sample failed', () => now);
    const err = new Error('connection refused');
    log.failed(err, { partition: 'p0' });
    for (let i = 0; i < 59; i++) {
      now += 500;
      log.failed(err, { partition: 'p0' });
    }
    // 30 s after the first line: the 60th failure is logged, naming the 59 left out.
    assert.equal(now - 1000, 29_500);
    assert.equal(sink.lines.length, 1);
    now += 500;
    log.failed(err, { partition: 'p0' });
    assert.deepEqual(sink.lines.map((l) => [l.level, l.msg, l.obj.partition, l.obj.repeatsNotLogged]), [
      ['error', 'queue sample failed', 'p0', undefined],
      ['error', 'queue sample failed', 'p0', 59],
    ]);
    assert.equal(sink.lines[0]!.obj.err, err);
    log.succeeded();
    log.succeeded();
    assert.equal(sink.lines.length, 3);
    assert.deepEqual([sink.lines[2]!.level, sink.lines[2]!.msg, sink.lines[2]!.obj.failures], ['info', 'queue sample failed: working again', 61]);
  });

  it('a failure after a recovery is logged at once, even within the interval', () => {
    let now = 0;
    const sink = recorder();
    const log = new FailureLog(sink, 'delayed sender failed', () => now);
    log.failed(new Error('a'));
    now += 10;
    log.succeeded();
    now += 10;
    log.failed(new Error('b'));
    assert.deepEqual(sink.lines.map((l) => l.level), ['error', 'info', 'error']);
    assert.ok(20 < FAILURE_LOG_EVERY_MS);
  });

  it('success without a failure before it logs nothing', () => {
    const sink = recorder();
    new FailureLog(sink, 'x', () => 0).succeeded();
    assert.equal(sink.lines.length, 0);
  });
});
