import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt } from './stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** The directory `profileFlags()` put in node's flags, if profiling is on. */
export function profileDir(nodeFlags: string[]): string | undefined {
  return nodeFlags.find((f) => f.startsWith('--cpu-prof-dir='))?.slice('--cpu-prof-dir='.length);
}

/** Prints the top self-time functions of each .cpuprofile in `dir` (a server's main thread and any worker). */
export function printProfile(dir: string, top = 20): void {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    let total = 0;
    for (let i = 0; i < profile.samples.length; i++) {
      const node = byNode.get(profile.samples[i]!);
      const us = profile.timeDeltas[i] ?? 0;
      if (!node) continue;
      const f = node.callFrame;
      const where = f.url ? `${f.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}` : '';
      const name = `${f.functionName || '(anonymous)'} ${where}`.trim();
      self.set(name, (self.get(name) ?? 0) + us);
      total += us;
    }
    const idle = self.get('(idle)') ?? 0;
    console.log(`profile ${join(dir, file)}: ${fmt(total / 1e6, 1)} s sampled, ${fmt(idle / 1e6, 1)} s idle; top self time (share of busy time):`);
    for (const [name, us] of [...self].filter(([n]) => n !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`  ${fmt((100 * us) / Math.max(1, total - idle), 1).padStart(5)} %  ${fmt(us / 1000, 0).padStart(7)} ms  ${name}`);
    }
  }
}
