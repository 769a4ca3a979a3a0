import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeWrk, parseWrkOutput, type WrkResult } from '../../bench/lib/wrk-result.js';

const slice = (over: Partial<WrkResult>): WrkResult => ({
  seconds: 2, requests: 0, status4xx5xx: 0, socketErrors: 0, timeouts: 0, cpuSeconds: 0, latencyUs: [], ...over,
});

test('parseWrkOutput reads the line of post.lua amid wrk\'s own summary', () => {
  const out = [
    'Running 2s test @ http://127.0.0.1:1234/bench',
    '  1 threads and 64 connections',
    '  20000 requests in 2.00s, 5.60MB read',
    'WRK-RESULT {"durationUs":2003000,"requests":20000,"errors":{"connect":1,"read":2,"write":3,"status":7,"timeout":4},"cpuSeconds":0.4125,"latencyUs":[[900,5],[1200,19995]]}',
    'Requests/sec:   9985.02',
  ].join('\n');
  assert.deepEqual(parseWrkOutput(out), {
    seconds: 2.003, requests: 20000, status4xx5xx: 7, socketErrors: 6, timeouts: 4, cpuSeconds: 0.4125, latencyUs: [[900, 5], [1200, 19995]],
  });
  assert.equal(parseWrkOutput('Running 2s test @ http://127.0.0.1:1234/bench\n'), undefined);
});

test('mergeWrk sums counters and takes percentiles of the added histograms, not of the slices', () => {
  const merged = mergeWrk([
    slice({ seconds: 2, requests: 100, status4xx5xx: 1, cpuSeconds: 0.25, latencyUs: [[1000, 99], [50_000, 1]] }),
    slice({ seconds: 2.5, requests: 100, socketErrors: 2, timeouts: 3, cpuSeconds: 0.5, latencyUs: [[3000, 100]] }),
  ]);
  assert.equal(merged.seconds, 4.5);
  assert.equal(merged.requests, 200);
  assert.equal(merged.status4xx5xx, 1);
  assert.equal(merged.socketErrors, 2);
  assert.equal(merged.timeouts, 3);
  assert.equal(merged.cpuSeconds, 0.75);
  // 99 samples at 1 ms, 100 at 3 ms, 1 at 50 ms: the 100th of 200 is at 3 ms (the mean of the
  // slices' medians would say 2 ms), the 198th too, and the largest is 50 ms.
  assert.equal(merged.p50Ms, 3);
  assert.equal(merged.p99Ms, 3);
  assert.equal(merged.maxMs, 50);
});

test('mergeWrk adds the counts of a latency seen in several slices', () => {
  const merged = mergeWrk([
    slice({ requests: 3, latencyUs: [[2000, 1], [7000, 2]] }),
    slice({ requests: 3, latencyUs: [[2000, 3]] }),
  ]);
  // 4 samples at 2 ms, 2 at 7 ms: the median is 2 ms, p99 7 ms.
  assert.equal(merged.p50Ms, 2);
  assert.equal(merged.p99Ms, 7);
  assert.equal(merged.maxMs, 7);
});
