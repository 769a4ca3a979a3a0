import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { HarnessError, makeTmpDir, ROOT } from './lib/proc.js';
import { bar, fmt, parseOptions, percentile, table } from './lib/stats.js';

/**
 * How long `herald user list` takes from the shell to its exit, as an operator types it
 * (`node bin/herald.js user list -c FILE`, which runs the CLI bundle of dist/cli/), against
 * `node -e ''` in the same run: Node's own start, which no command can beat. For context, the
 * same command from tsc's output as it is (dist/src, about 600 modules). The three alternate, one
 * run each per round, so a change in background load spreads over all of them.
 * Bar (issue 13): median <= 0.3 s.
 */
const BAR_MS = 300;

interface Sample {
  wallMs: number[];
  cpuMs: number;
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** CPU time (user + system) of this process's children that have been waited for, in ms. */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLK_TCK;
}

function run(args: string[], expect: RegExp | undefined, sample: Sample | undefined): void {
  const cpuBefore = childrenCpuMs();
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: '/nonexistent' } });
  const wallMs = performance.now() - start;
  if (result.status !== 0 || (expect && !expect.test(result.stdout))) {
    throw new HarnessError(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}${result.stdout}`);
  }
  if (sample) {
    sample.wallMs.push(wallMs);
    sample.cpuMs += childrenCpuMs() - cpuBefore;
  }
}

export async function main(args: string[]): Promise<number> {
  const opts = parseOptions(args, { runs: 20, warmup: 2, users: 20 });
  const tmp = makeTmpDir('cli-start');
  try {
    const config = join(tmp.dir, 'server.yml');
    writeFileSync(config, `auth-file: "${join(tmp.dir, 'auth.db')}"\ndatabase-file: "${join(tmp.dir, 'herald.db')}"\n`);
    const bin = join(ROOT, 'bin', 'herald.js');
    // A small account database: users, each with an access entry, so the listing does real work.
    for (let i = 0; i < opts.users; i++) {
      const user = `user${i}`;
      const added = spawnSync(process.execPath, [bin, 'user', 'add', user, '-c', config], { encoding: 'utf8', env: { ...process.env, HERALD_PASSWORD: 'pw', HERALD_AUTH_BCRYPT_COST: '4' } });
      if (added.status !== 0) throw new HarnessError(`user add: ${added.stderr}`);
      const granted = spawnSync(process.execPath, [bin, 'access', user, `topic-${i}`, 'rw', '-c', config], { encoding: 'utf8' });
      if (granted.status !== 0) throw new HarnessError(`access: ${granted.stderr}`);
    }
    const bundle = join(ROOT, 'dist', 'cli', 'herald.js');
    const bundled = existsSync(bundle) && statSync(bundle).mtimeMs >= statSync(join(ROOT, 'dist', '.tsbuildinfo')).mtimeMs;
    if (!bundled) console.log('NOTE: dist/cli/ is missing or older than the tsc build (is esbuild installed?); bin/herald.js runs dist/src');

    const commands = [
      { name: 'herald', args: [bin, 'user', 'list', '-c', config], expect: /^user user0 /m },
      { name: 'baseline', args: ['-e', ''], expect: undefined },
      { name: 'unbundled', args: [join(ROOT, 'dist', 'src', 'cli', 'herald.js'), 'user', 'list', '-c', config], expect: /^user user0 /m },
    ];
    const samples = new Map(commands.map((c) => [c.name, { wallMs: [], cpuMs: 0 } as Sample]));
    const loadBefore = loadavg()[0]!;
    for (let round = 0; round < opts.warmup + opts.runs; round++) {
      // Rotate the order too, so no command always runs right after the same one.
      for (let i = 0; i < commands.length; i++) {
        const c = commands[(round + i) % commands.length]!;
        run(c.args, c.expect, round < opts.warmup ? undefined : samples.get(c.name));
      }
    }
    const loadAfter = loadavg()[0]!;

    const stats = (name: string) => {
      const s = samples.get(name)!;
      const sorted = [...s.wallMs].sort((a, b) => a - b);
      return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), min: sorted[0]!, max: sorted[sorted.length - 1]!, cpu: s.cpuMs / s.wallMs.length };
    };
    const rows = [['command', 'p50 ms', 'p90 ms', 'min ms', 'max ms', 'CPU ms/run']];
    const labels: Record<string, string> = { herald: 'bin/herald.js user list', baseline: "node -e ''", unbundled: 'dist/src/cli/herald.js user list' };
    for (const c of commands) {
      const s = stats(c.name);
      rows.push([labels[c.name]!, fmt(s.p50, 0), fmt(s.p90, 0), fmt(s.min, 0), fmt(s.max, 0), fmt(s.cpu, 0)]);
    }
    const herald = stats('herald');
    const baseline = stats('baseline');
    const unbundled = stats('unbundled');
    console.log(`cli-start: ${opts.runs} runs each (after ${opts.warmup} warm-up rounds), ${opts.users} users; Node ${process.version}; load average ${fmt(loadBefore)} -> ${fmt(loadAfter)}`);
    console.log(table(rows));
    console.log(`ratio herald/baseline (p50) = ${fmt(herald.p50 / baseline.p50)}; CPU ${fmt(herald.cpu / baseline.cpu)}; unbundled/herald (p50) = ${fmt(unbundled.p50 / herald.p50)}`);
    bar('cli-start: herald user list p50 <= 0.3 s', herald.p50 <= BAR_MS, `${fmt(herald.p50, 0)} ms (node -e '' ${fmt(baseline.p50, 0)} ms)`);
    console.log(`SUMMARY cli-start ${new Date().toISOString().slice(0, 10)}: user list p50 ${fmt(herald.p50, 0)} ms (CPU ${fmt(herald.cpu, 0)} ms), node -e '' ${fmt(baseline.p50, 0)} ms (CPU ${fmt(baseline.cpu, 0)} ms), ratio ${fmt(herald.p50 / baseline.p50)}; unbundled ${fmt(unbundled.p50, 0)} ms; load ${fmt(loadBefore)}-${fmt(loadAfter)}`);
    return 0;
  } finally {
    tmp.remove();
  }
}
