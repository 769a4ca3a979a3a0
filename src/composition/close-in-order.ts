/**
 * Runs every close in turn, each even when one before it failed: a pool or a connection left open
 * behind a failed step would keep the process alive after SIGTERM. Once all have run, throws an
 * error naming every step that failed, with the first failure as its cause.
 */
export async function closeInOrder(what: string, steps: readonly (readonly [name: string, close: () => unknown])[]): Promise<void> {
  const failed: { name: string; err: unknown }[] = [];
  for (const [name, close] of steps) {
    try {
      await close();
    } catch (err) {
      failed.push({ name, err });
    }
  }
  if (failed.length > 0) throw new Error(`${what}: ${failed.map((f) => f.name).join(', ')} failed`, { cause: failed[0]!.err });
}
