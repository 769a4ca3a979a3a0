import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_KEYS, ConfigError, DEFAULT_CONFIG, loadConfig, NTFY_ONLY_KEYS, type Config } from '../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function writeYaml(text: string): string {
  const path = join(dir, `server-${++fileCount}.yml`);
  writeFileSync(path, text);
  return path;
}

function loadError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected loadConfig to throw');
}

// The kind of server.yml an ntfy operator already has.
const NTFY_SERVER_YML = `
base-url: "https://ntfy.example.com/"
listen-http: "127.0.0.1:2586"
cache-file: "/var/cache/ntfy/cache.db"
cache-duration: "24h"
attachment-cache-dir: "/var/cache/ntfy/attachments"
keepalive-interval: "30s"
visitor-request-limit-burst: 100
attachment-file-size-limit: "2M"
visitor-request-limit-exempt-hosts: "10.0.0.0/8, ntfy.internal"
behind_proxy: true
proxy-trusted-addresses: "192.168.1.1"
disallowed-topics:
  - about
  - pricing
auth-default-access: ro
log-level: WARNING
web-root: app
smtp-sender-addr:
firebase-key-file: "/etc/ntfy/firebase.json"
mystery-option: 1
`;

describe('loadConfig', () => {
  it('returns the schema defaults when nothing is configured', () => {
    const { config, warnings } = loadConfig({ env: {} });
    assert.deepEqual(config, DEFAULT_CONFIG);
    assert.deepEqual(warnings, []);
    assert.equal(config.listenHttp, ':8080');
    assert.equal(config.cacheDuration, 12 * 3600 * 1000);
    assert.equal(config.attachmentTotalSizeLimit, 5 * 1024 ** 3);
    assert.equal(config.visitorRequestLimitReplenish, 5000);
    assert.equal(config.authDefaultAccess, 'read-write');
    assert.deepEqual(config.visitorRequestLimitExemptHosts, []);
    // Enum keys keep their literal types through Static<>.
    const level: 'trace' | 'debug' | 'info' | 'warn' | 'error' = config.logLevel;
    assert.equal(level, 'info');
  });

  it('reads an ntfy server.yml, warning about what it ignores', () => {
    const file = writeYaml(NTFY_SERVER_YML);
    const { config, warnings } = loadConfig({ file, env: {} });

    assert.equal(config.baseUrl, 'https://ntfy.example.com');
    assert.equal(config.listenHttp, '127.0.0.1:2586');
    assert.equal(config.cacheFile, '/var/cache/ntfy/cache.db');
    assert.equal(config.cacheDuration, 24 * 3600 * 1000);
    assert.equal(config.attachmentCacheDir, '/var/cache/ntfy/attachments');
    assert.equal(config.keepaliveInterval, 30_000);
    assert.equal(config.visitorRequestLimitBurst, 100);
    assert.equal(config.attachmentFileSizeLimit, 2 * 1024 * 1024);
    assert.deepEqual(config.visitorRequestLimitExemptHosts, ['10.0.0.0/8', 'ntfy.internal']);
    assert.equal(config.behindProxy, true);
    assert.deepEqual(config.proxyTrustedHosts, ['192.168.1.1']);
    assert.deepEqual(config.disallowedTopics, [...DEFAULT_CONFIG.disallowedTopics, 'about', 'pricing']);
    assert.equal(config.authDefaultAccess, 'read-only');
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.webRoot, '/');
    assert.equal(config.smtpSenderAddr, '');
    // Untouched keys keep their defaults.
    assert.equal(config.messageSizeLimit, 4096);

    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /'firebase-key-file' is an ntfy option Herald does not use \(ignored\): it wakes ntfy's own Android app/);
    assert.match(warnings[1], /unknown option 'mystery-option'/);
  });

  it('reads a plain number for a duration as seconds', () => {
    const file = writeYaml('cache-duration: 3600\nmanager-interval: 90\ncache-batch-timeout: 0\n');
    const { config } = loadConfig({ file, env: { HERALD_DELAYED_SENDER_INTERVAL: '2.5' } });
    assert.equal(config.cacheDuration, 3_600_000);
    assert.equal(config.managerInterval, 90_000);
    assert.equal(config.cacheBatchTimeout, 0);
    assert.equal(config.delayedSenderInterval, 2500);
  });

  it('reads ntfy spellings: cache-batch-size 0, web-root home/disable, warning', () => {
    const file = writeYaml('cache-batch-size: 0\nweb-root: home\n');
    assert.equal(loadConfig({ file, env: {} }).config.cacheBatchSize, 1);
    assert.equal(loadConfig({ file, env: {} }).config.webRoot, '/app');
    assert.equal(loadConfig({ env: { HERALD_WEB_ROOT: 'disable' } }).config.webRoot, 'disable');
  });

  it('lets the environment override the file', () => {
    const file = writeYaml('listen-http: ":2586"\ncache-duration: "24h"\nbehind-proxy: false\n');
    const { config } = loadConfig({
      file,
      env: {
        HERALD_LISTEN_HTTP: ':9000',
        HERALD_BEHIND_PROXY: 'true',
        // Empty typed variables count as unset, as compose files often pass them through.
        HERALD_CACHE_DURATION: '',
        PATH: '/usr/bin',
      },
    });
    assert.equal(config.listenHttp, ':9000');
    assert.equal(config.behindProxy, true);
    assert.equal(config.cacheDuration, 24 * 3600 * 1000);
  });

  it('lets flags override the environment', () => {
    const { config, warnings } = loadConfig({
      env: { HERALD_LISTEN_HTTP: ':9000', HERALD_LOG_FORMAT: 'text', HERALD_ENABLE_METRICS: 'false' },
      flags: { 'listen-http': ':9090', 'enable-metrics': true, 'log-format': undefined, config: '/ignored.yml' },
    });
    assert.equal(config.listenHttp, ':9090');
    assert.equal(config.enableMetrics, true);
    assert.equal(config.logFormat, 'text');
    assert.deepEqual(warnings, []);
  });

  it('reads lists from the environment as comma-separated strings', () => {
    const { config } = loadConfig({
      env: {
        HERALD_VISITOR_REQUEST_LIMIT_EXEMPT_HOSTS: '10.0.0.0/8, host.example ,,::1',
        HERALD_DISALLOWED_TOPICS: 'about,pricing',
        HERALD_PROXY_TRUSTED_HOSTS: '',
      },
    });
    assert.deepEqual(config.visitorRequestLimitExemptHosts, ['10.0.0.0/8', 'host.example', '::1']);
    assert.deepEqual(config.disallowedTopics, [...DEFAULT_CONFIG.disallowedTopics, 'about', 'pricing']);
    assert.deepEqual(config.proxyTrustedHosts, []);
  });

  it('warns about unknown HERALD_ variables but not about the client commands\' own', () => {
    const { warnings } = loadConfig({ env: { HERALD_LISTEN_HTPP: ':1', HERALD_TEST_BACKEND: 'sqlite', HERALD_TOKEN: 'tk_x', HERALD_SERVER: 'http://h' } });
    assert.deepEqual(warnings, ['unknown environment variable HERALD_LISTEN_HTPP; ignored']);
  });

  it('refuses unknown flags, naming ntfy-only ones as such', () => {
    assert.throws(() => loadConfig({ env: {}, flags: { 'no-such': 'x', 'stripe-key': 'sk' } }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.violations.map((v) => v.name), ['--no-such', '--stripe-key']);
      assert.match(err.message, /ntfy-only/);
      return true;
    });
  });

  it('reports every violation from every source in one error', () => {
    const file = writeYaml(
      [
        'cache-duration: "12 parsecs"',
        'visitor-request-limit-burst: -5',
        'attachment-file-size-limit: "lots"',
        'behind-proxy: "maybe"',
        'keepalive-interval: "0s"',
        'disallowed-topics: "has space"',
        'base-url: "ftp://example.com"',
        'cache-file: 42',
        'listen_http: ":1"',
        'listen-http: ":2"',
      ].join('\n'),
    );
    const error = loadError(() =>
      loadConfig({
        file,
        env: { HERALD_LOG_LEVEL: 'loud', HERALD_CACHE_SYNC: 'off' },
        flags: { 'listen-http': 'localhost', 'message-size-limit': '6M', 'cache-duration': true },
      }),
    );

    const found = error.violations.map((v) => `${v.source}:${v.name}`);
    assert.deepEqual(found, [
      'file:cache-duration',
      'file:visitor-request-limit-burst',
      'file:attachment-file-size-limit',
      'file:behind-proxy',
      'file:keepalive-interval',
      'file:disallowed-topics',
      'file:base-url',
      'file:cache-file',
      'file:listen-http',
      'env:HERALD_LOG_LEVEL',
      'env:HERALD_CACHE_SYNC',
      'flag:--listen-http',
      'flag:--message-size-limit',
      'flag:--cache-duration',
    ]);
    assert.match(error.message, /^invalid configuration \(14 problems\):/);
    assert.match(error.message, new RegExp(`cache-duration \\(file ${file.replaceAll('.', '\\.')}\\): got "12 parsecs", expected a duration`));
    assert.match(error.message, /visitor-request-limit-burst \(file [^)]+\): got -5, expected a whole number/);
    assert.match(error.message, /keepalive-interval \(file [^)]+\): got "0s", expected a duration above 0/);
    assert.match(error.message, /HERALD_LOG_LEVEL \(env\): got "loud", expected one of trace, debug, info, warn, error/);
    assert.match(error.message, /HERALD_CACHE_SYNC \(env\): got "off", expected one of full, normal/);
    assert.match(error.message, /--listen-http \(flag\): got "localhost", expected \[host\]:port/);
    assert.match(error.message, /--message-size-limit \(flag\): got "6M", expected a size at most 5M/);
  });

  it('treats a missing file and broken YAML as errors', () => {
    const missing = join(dir, 'absent.yml');
    const error = loadError(() => loadConfig({ file: missing, env: { HERALD_LOG_FORMAT: 'xml' } }));
    assert.equal(error.violations.length, 2);
    assert.match(error.message, /absent\.yml \(file\): expected a readable config file \(ENOENT/);
    assert.match(error.message, /HERALD_LOG_FORMAT/);

    const broken = writeYaml('base-url: "unterminated\nlisten-http: [\n');
    assert.match(loadError(() => loadConfig({ file: broken, env: {} })).message, /expected valid YAML \(/);

    const list = writeYaml('- base-url\n- listen-http\n');
    assert.match(loadError(() => loadConfig({ file: list, env: {} })).message, /expected a YAML mapping/);
  });

  it('accepts an empty file', () => {
    const { config } = loadConfig({ file: writeYaml('# everything commented out\n'), env: {} });
    assert.deepEqual(config, DEFAULT_CONFIG);
  });

  it('returns a deeply frozen config', () => {
    const { config } = loadConfig({ env: {} });
    const writable = config as { -readonly [K in keyof Config]: unknown };
    assert.throws(() => {
      writable.listenHttp = ':1';
    }, TypeError);
    assert.throws(() => {
      (config.disallowedTopics as string[]).push('x');
    }, TypeError);
    assert.ok(Object.isFrozen(DEFAULT_CONFIG));
    assert.ok(Object.isFrozen(DEFAULT_CONFIG.disallowedTopics));
  });
});

describe('ntfy listening and Web Push expiry keys', () => {
  it('reads listen-unix-mode as octal however YAML, the environment or a flag write it', () => {
    const file = writeYaml('listen-unix: /run/herald.sock\nlisten-unix-mode: 0660\n');
    const fromFile = loadConfig({ file, env: {} });
    assert.deepEqual(fromFile.warnings, []);
    assert.equal(fromFile.config.listenUnix, '/run/herald.sock');
    assert.equal(fromFile.config.listenUnixMode, 0o660, 'YAML 1.2 reads 0660 as 660; the file means octal');
    assert.equal(loadConfig({ file: writeYaml('listen-unix-mode: 0o600\n'), env: {} }).config.listenUnixMode, 0o600);
    assert.equal(loadConfig({ file: writeYaml('listen-unix-mode: "0700"\n'), env: {} }).config.listenUnixMode, 0o700);
    assert.equal(loadConfig({ env: { HERALD_LISTEN_UNIX_MODE: '0640' } }).config.listenUnixMode, 0o640);
    assert.equal(loadConfig({ env: {}, flags: { 'listen-unix-mode': '777' } }).config.listenUnixMode, 0o777);
    assert.equal(loadConfig({ env: {} }).config.listenUnixMode, 0, 'unset: the umask decides');
    const error = loadError(() => loadConfig({ env: {}, flags: { 'listen-unix-mode': '0689' } }));
    assert.match(error.message, /--listen-unix-mode \(flag\): got "0689", expected an octal file mode such as 0660/);
    assert.match(loadError(() => loadConfig({ file: writeYaml('listen-unix-mode: 01777\n'), env: {} })).message, /expected an octal file mode/);
  });

  it('turns HTTP off with ntfy\'s "-" when another listener is set, and refuses to listen nowhere', () => {
    const unixOnly = loadConfig({ env: {}, flags: { 'listen-http': '-', 'listen-unix': '/tmp/h.sock' } }).config;
    assert.equal(unixOnly.listenHttp, '');
    assert.equal(loadConfig({ env: { HERALD_LISTEN_HTTP: '', HERALD_LISTEN_UNIX: '/tmp/h.sock' } }).config.listenHttp, '');
    const error = loadError(() => loadConfig({ env: {}, flags: { 'listen-http': '-' } }));
    assert.deepEqual(error.violations.map((v) => v.name), ['--listen-http']);
    assert.match(error.message, /neither listen-https nor listen-unix is set/);
  });

  it('reads the Web Push expiry durations, refusing a warning that comes after the removal', () => {
    const file = writeYaml('web-push-expiry-duration: 30d\nweb-push-expiry-warning-duration: 25d\n');
    const { config, warnings } = loadConfig({ file, env: {} });
    assert.deepEqual(warnings, []);
    assert.equal(config.webPushExpiryDuration, 30 * 86_400_000);
    assert.equal(config.webPushExpiryWarningDuration, 25 * 86_400_000);
    const error = loadError(() => loadConfig({ env: {}, flags: { 'web-push-expiry-duration': '10d' } }));
    assert.match(error.message, /web-push-expiry-warning-duration \(55d\) shorter than web-push-expiry-duration \(10d\)/);
    assert.equal(loadConfig({ env: {}, flags: { 'web-push-expiry-duration': '0' } }).config.webPushExpiryDuration, 0, '0 keeps subscriptions');
  });

  it('says for every ntfy key it skips why, and what to do instead', () => {
    const file = writeYaml('stripe-secret-key: sk_x\nweb-push-file: /var/cache/ntfy/webpush.db\nprofile-listen-http: ":6060"\ndatabase-replica-urls: ["postgres://r"]\n');
    const { warnings } = loadConfig({ file, env: {} });
    assert.equal(warnings.length, 4);
    assert.match(warnings[0]!, /'stripe-secret-key' is an ntfy option Herald does not use \(ignored\): payments are out of scope; tiers exist without prices/);
    assert.match(warnings[1]!, /'web-push-file' .*Herald keeps Web Push subscriptions in its own database/);
    assert.match(warnings[2]!, /'profile-listen-http' .*--cpu-prof/);
    assert.match(warnings[3]!, /'database-replica-urls' .*every query to database-url/);
    for (const [key, why] of NTFY_ONLY_KEYS) {
      assert.ok(!CONFIG_KEYS.some((k) => k.kebab === key), `${key} is read by Herald, so it is not ntfy-only`);
      assert.ok(why.length > 40, `${key} says why`);
    }
  });
});

describe('CONFIG_KEYS', () => {
  it('has one row per config key with distinct names', () => {
    assert.deepEqual(
      CONFIG_KEYS.map((k) => k.name),
      Object.keys(DEFAULT_CONFIG),
    );
    assert.equal(new Set(CONFIG_KEYS.map((k) => k.kebab)).size, CONFIG_KEYS.length);
    assert.equal(new Set(CONFIG_KEYS.map((k) => k.env)).size, CONFIG_KEYS.length);
    for (const key of CONFIG_KEYS) assert.ok(key.description.length > 0, key.name);
  });

  it('derives YAML, env and default text from the schema', () => {
    const row = (name: string) => CONFIG_KEYS.find((k) => k.name === name);
    assert.deepEqual(row('listenHttp'), {
      name: 'listenHttp',
      kebab: 'listen-http',
      env: 'HERALD_LISTEN_HTTP',
      kind: 'string',
      default: ':8080',
      description: 'HTTP listen address as [host]:port; - or empty: none (then listen-https or listen-unix)',
    });
    assert.equal(row('listenUnixMode')?.kind, 'mode');
    assert.equal(row('listenUnixMode')?.default, '');
    assert.equal(row('webPushExpiryDuration')?.default, '60d');
    assert.equal(row('webPushExpiryWarningDuration')?.default, '55d');
    assert.equal(row('cacheDuration')?.default, '12h');
    assert.equal(row('attachmentFileSizeLimit')?.default, '15M');
    assert.equal(row('visitorAttachmentDailyBandwidthLimit')?.env, 'HERALD_VISITOR_ATTACHMENT_DAILY_BANDWIDTH_LIMIT');
    assert.deepEqual(row('authDefaultAccess')?.values, ['read-write', 'read-only', 'write-only', 'deny-all']);
  });
});
