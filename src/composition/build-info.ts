import { readFileSync } from 'node:fs';

/**
 * The running build: the version from package.json, and the commit and date that `npm run build`
 * wrote to dist/build-info.json (scripts/write-build-info.mjs). A package built without git, or a
 * dist/ made by plain `tsc`, has no such file, and the two are then honestly empty.
 */
export function readBuildInfo(): { version: string; commit: string; date: string } {
  // dist/src/composition/ → the package root is three levels up, as is src/composition/ in a checkout.
  const root = new URL('../../../', import.meta.url);
  const pkg = readJson(new URL('package.json', root));
  const built = readJson(new URL('dist/build-info.json', root));
  return {
    version: typeof pkg?.version === 'string' ? pkg.version : '',
    commit: typeof built?.commit === 'string' ? built.commit : '',
    date: typeof built?.date === 'string' ? built.date : '',
  };
}

function readJson(url: URL): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(url, 'utf8'));
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
