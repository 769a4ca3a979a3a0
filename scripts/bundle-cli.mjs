// Bundles the CLI's entry and its account commands (user, access, token, key, tier) from tsc's
// output into dist/cli/. Run by `npm run build`, and by build-if-needed.mjs when dist/cli/ is
// missing or older than the tsc build. bin/herald.js runs dist/cli/herald.js when it is current
// and dist/src/cli/herald.js otherwise, so the bundle only ever changes how fast a command starts.
//
// Why: the account commands read the config (TypeBox, yaml) and open the database (Kysely). As
// separate files those are some 600 modules, which Node 20 resolves, reads and compiles one by
// one on every call (it has no compile cache): about half a second here. Bundled, they are a
// few files. Every other package stays external, loaded from node_modules as before (one or a
// few files each; better-sqlite3 has a native addon), and so do the other commands: serve above
// all, with its worker threads and files found next to its modules, loads from dist/src
// unchanged. test/integration/cli-startup.test.ts checks the module graph of both.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const source = join(root, 'dist', 'src', 'cli');
const outdir = join(root, 'dist', 'cli');

/** Command modules that go into the bundle; every other one is imported from dist/src. */
const BUNDLED_COMMANDS = new Set(['user', 'access', 'token', 'key', 'tier']);
/** Packages inlined: many small modules each. Every other package resolves from node_modules at run time. */
const INLINED_PACKAGES = /^(kysely|@sinclair\/typebox|yaml)(\/|$)/;

const externals = {
  name: 'herald-externals',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (INLINED_PACKAGES.test(args.path) ? undefined : { path: args.path, external: true }));
    // run.js imports each command as './commands/NAME.js'; the unbundled ones keep pointing at dist/src.
    build.onResolve({ filter: /^\.\/commands\/[^/]+\.js$/ }, (args) => {
      if (args.importer !== join(source, 'run.js')) return undefined;
      const name = args.path.slice('./commands/'.length, -'.js'.length);
      if (BUNDLED_COMMANDS.has(name)) return undefined;
      return { path: `./${relative(outdir, join(source, 'commands', `${name}.js`))}`, external: true };
    });
  },
};

/**
 * Writes dist/cli/herald.js and its chunks. Returns false, writing nothing, when esbuild is not
 * installed (an install without dev dependencies runs dist/src as it is).
 */
export async function bundleCli() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return false;
  }
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { herald: join(source, 'herald.js') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: true,
    write: false,
    metafile: true,
    logLevel: 'warning',
    // yaml's Node build is CommonJS and requires node:process; an ES module has no `require`.
    banner: { js: "import { createRequire as __heraldCreateRequire } from 'node:module'; const require = __heraldCreateRequire(import.meta.url);" },
    plugins: [externals],
  });
  // Another herald process may be starting from dist/cli meanwhile (build-if-needed bundles on
  // demand): each file is replaced by a rename, chunks (named by content hash) before the entry
  // that imports them, and only then are files of the previous bundle removed.
  const entry = join(outdir, 'herald.js');
  // Which modules each output file holds, paths relative to the package root; the module-graph
  // test (cli-startup) reads it to see what a command loaded inside the bundle.
  const inputs = Object.fromEntries(Object.entries(result.metafile.outputs).filter(([out]) => out.endsWith('.js')).map(([out, meta]) => [out, Object.keys(meta.inputs)]));
  const files = [...result.outputFiles, { path: join(outdir, 'inputs.json'), contents: Buffer.from(`${JSON.stringify(inputs, null, 1)}\n`) }].sort((a, b) => Number(a.path.startsWith(entry)) - Number(b.path.startsWith(entry)));
  for (const file of files) {
    mkdirSync(dirname(file.path), { recursive: true });
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
  const written = new Set(files.map((f) => f.path));
  for (const path of listFiles(outdir)) {
    if (!written.has(path) && !path.endsWith('.tmp')) rmSync(path, { force: true });
  }
  return true;
}

function listFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!(await bundleCli())) {
    process.stderr.write('herald: esbuild is not installed; the CLI runs unbundled from dist/src\n');
  }
}
