import { decide, parsePreferences, type Channel, type DecideInput, type Preferences } from '../src/core/notify/preferences/index.js';

/**
 * Preference decisions per second on one core, over a mix that resembles real traffic:
 * subscribers in 20 zones (Chatham's +12:45 among them), most with quiet hours, caps with ten
 * recent sends, some critical categories, the clock moving across a DST change. Baseline, in the
 * same run: as many `Intl.DateTimeFormat#formatToParts` calls on cached formatters, the one
 * primitive a naive implementation pays per decision. Bar: >= 200,000 decisions/s.
 */
const BAR = 200_000;

const ZONES = [
  'UTC', 'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'America/Sao_Paulo',
  'America/St_Johns', 'Europe/London', 'Europe/Paris', 'Europe/Berlin', 'Europe/Moscow', 'Africa/Lagos',
  'Asia/Dubai', 'Asia/Kolkata', 'Asia/Kathmandu', 'Asia/Shanghai', 'Asia/Tokyo', 'Australia/Sydney',
  'Australia/Lord_Howe', 'Pacific/Chatham',
];
const CATEGORIES = [
  { name: 'orders', critical: false },
  { name: 'marketing', critical: false },
  { name: 'news', critical: false },
  { name: 'security', critical: true },
];
const CHANNELS: Channel[] = ['push', 'email', 'sms', 'webhook', 'inapp'];
const QUIET = [{ start: '22:00', end: '07:00' }, { start: '23:30', end: '06:45' }, { start: '12:00', end: '13:00' }, { start: '21:00', end: '08:00' }];

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** A small deterministic generator, so every run measures the same mix. */
function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildInputs(count: number): DecideInput[] {
  const random = generator(42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const profiles: Preferences[] = Array.from({ length: 64 }, (_, i) => parsePreferences({
    enabled: random() > 0.02,
    channels: random() < 0.2 ? { sms: false } : {},
    categories: random() < 0.3 ? { marketing: { enabled: random() < 0.5 }, orders: { channels: { email: random() < 0.7 } } } : {},
    ...(i % 3 !== 0 ? { quiet_hours: pick(QUIET) } : {}),
    frequency_caps: [{ category: 'marketing', max: 3, per: '1d' }, { max: 20, per: '1h' }, ...(random() < 0.3 ? [{ category: 'news', max: 5, per: '6h' }] : [])],
  }));
  // The clock starts the evening before the US spring change and runs for about three days.
  const start = Date.parse('2026-03-07T18:00:00Z');
  const stepMs = Math.max(1, Math.floor((3 * 86_400_000) / count));
  return Array.from({ length: count }, (_, i) => {
    const nowMs = start + i * stepMs;
    return {
      prefs: pick(profiles),
      category: random() < 0.1 ? CATEGORIES[3]! : pick(CATEGORIES.slice(0, 3)),
      channel: pick(CHANNELS),
      nowMs,
      timezone: pick(ZONES),
      recentSends: Array.from({ length: 10 }, () => ({ at: nowMs - Math.floor(random() * 2 * 86_400_000), category: pick(CATEGORIES).name })),
    };
  });
}

export async function main(args: string[]): Promise<number> {
  const count = flag(args, 'count', 200_000);
  const rounds = flag(args, 'rounds', 5);
  const inputs = buildInputs(count);
  const formatters = new Map(ZONES.map((zone) => [zone, new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  })]));

  const tally = { send: 0, suppress: 0, defer: 0 };
  let sink = 0;
  const runHerald = (): void => {
    for (let i = 0; i < inputs.length; i++) tally[decide(inputs[i]!).action]++;
  };
  const runBaseline = (): void => {
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i]!;
      sink += formatters.get(input.timezone!)!.formatToParts(input.nowMs).length;
    }
  };

  // The first pass fills the per-zone offset caches: report it, then warm both and alternate.
  let t = performance.now();
  runHerald();
  const coldMs = performance.now() - t;
  runBaseline();
  let heraldMs = 0;
  let baselineMs = 0;
  for (let r = 0; r < rounds; r++) {
    t = performance.now();
    runHerald();
    heraldMs += performance.now() - t;
    t = performance.now();
    runBaseline();
    baselineMs += performance.now() - t;
  }
  const total = count * rounds;
  const heraldRate = total / (heraldMs / 1000);
  const baselineRate = total / (baselineMs / 1000);
  const ratio = heraldRate / baselineRate;
  const all = tally.send + tally.suppress + tally.defer;
  const share = (n: number): string => `${((100 * n) / all).toFixed(1)}%`;
  console.log(`preferences: ${count} decisions x ${rounds} alternating rounds, ${ZONES.length} zones, 10 recent sends each (checksum ${sink % 997})`);
  console.log(`mix        send ${share(tally.send)}, defer ${share(tally.defer)}, suppress ${share(tally.suppress)}`);
  console.log(`herald     ${Math.round(heraldRate)} decisions/s (first pass, caches cold: ${Math.round(count / (coldMs / 1000))}/s)`);
  console.log(`baseline   ${Math.round(baselineRate)} formatToParts calls/s on cached formatters`);
  console.log(`ratio herald/baseline = ${ratio.toFixed(2)}`);
  console.log(`${heraldRate >= BAR ? 'PASS' : 'FAIL'}  preferences: decide() >= ${BAR} decisions/s: ${Math.round(heraldRate)}/s`);
  return 0;
}
