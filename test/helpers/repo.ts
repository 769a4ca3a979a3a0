import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's root: the nearest directory above the compiled test holding Herald's
 * package.json, so documentation tests find README.md and docs/ whatever the build's outDir.
 */
export const REPO_ROOT: string = (() => {
  let at = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(at, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'herald') return at;
    const up = dirname(at);
    if (up === at) throw new Error('no package.json of herald above the tests');
    at = up;
  }
})();

/** A path inside the repository, e.g. repoFile('docs', 'errors.md'). */
export function repoFile(...parts: string[]): string {
  return join(REPO_ROOT, ...parts);
}
