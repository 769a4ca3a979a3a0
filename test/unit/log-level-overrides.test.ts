import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/composition/logger.js';
import { levelFor, parseLogLevelOverride } from '../../src/util/log-level-overrides.js';

describe('log-level-overrides', () => {
  it('parses ntfy\'s two forms and refuses anything else', () => {
    assert.deepEqual(parseLogLevelOverride('tag=manager -> trace'), { field: 'tag', value: 'manager', level: 'trace' });
    assert.deepEqual(parseLogLevelOverride('time_taken_ms -> DEBUG'), { field: 'time_taken_ms', level: 'debug' });
    assert.deepEqual(parseLogLevelOverride('visitor_ip=1.2.3.4->warning'), { field: 'visitor_ip', value: '1.2.3.4', level: 'warn' });
    for (const bad of ['tag=manager', '-> debug', 'tag -> loud', '']) assert.equal(parseLogLevelOverride(bad), undefined, bad);
  });

  it('holds a line to the level of the first override its fields match', () => {
    const overrides = ['topic=alerts -> debug', 'provider -> error', 'topic -> warn'].map((e) => parseLogLevelOverride(e)!);
    assert.equal(levelFor({ topic: 'alerts' }, overrides, 'info'), 'debug');
    assert.equal(levelFor({ topic: 'other' }, overrides, 'info'), 'warn');
    assert.equal(levelFor({ provider: 'apns', topic: 'alerts' }, overrides, 'info'), 'debug', 'first match wins');
    assert.equal(levelFor({ code: 429 }, [parseLogLevelOverride('code=429 -> trace')!], 'info'), 'trace', 'numbers compare as written');
    assert.equal(levelFor({}, overrides, 'info'), 'info');
  });

  it('is read from the config, and refused there when an entry is malformed', () => {
    assert.throws(() => loadConfig({ env: {}, flags: { 'log-level-overrides': 'topic=x -> loud' } }), /log-level-overrides \(flag\): got "topic=x -> loud", expected entries "field=value -> level"/);
    assert.deepEqual(loadConfig({ env: {}, flags: { 'log-level-overrides': 'topic=alerts -> debug' } }).config.logLevelOverrides, ['topic=alerts -> debug']);
  });

  it('lets a matching line through below log-level, quietens a matching one above it, including through child bindings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-llo-'));
    try {
      const file = join(dir, 'herald.log');
      const { config } = loadConfig({ env: {}, flags: { 'log-file': file, 'log-level': 'info', 'log-level-overrides': 'topic=alerts -> debug,provider -> error' } });
      const logger = createLogger(config);
      logger.debug({ topic: 'alerts' }, 'debug on alerts');
      logger.debug({ topic: 'other' }, 'debug on other');
      logger.info({ provider: 'apns' }, 'info from a provider');
      logger.error({ provider: 'apns' }, 'error from a provider');
      logger.child({ topic: 'alerts' }).debug('debug through a child');
      logger.trace({ topic: 'alerts' }, 'trace on alerts');
      logger.info('plain info');
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg);
      assert.deepEqual(lines, ['debug on alerts', 'error from a provider', 'debug through a child', 'plain info']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
