import { appendFileSync } from 'node:fs';

/**
 * A module-resolution hook (registered by module-log.ts) that appends every module URL the process
 * resolves to the file named by HERALD_TEST_MODULE_LOG, so a test can read back what a command
 * loaded. It runs on the loader's own thread, which sees the environment the process started with.
 */
type Resolve = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, next: Resolve): Promise<{ url: string }> {
  const resolved = await next(specifier, context);
  const file = process.env.HERALD_TEST_MODULE_LOG;
  if (file) appendFileSync(file, `${resolved.url}\n`);
  return resolved;
}
