import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttachmentStore } from '../../ports/attachment-store.js';

const ID = /^[A-Za-z0-9]{1,64}$/;

/** Attachments as files named by message id in one directory. Writes go to a temp name first. */
export async function createFileAttachmentStore(dir: string): Promise<AttachmentStore> {
  await mkdir(dir, { recursive: true });
  // Sizes are summed once at start, then kept up to date, so limit checks cost no disk scan.
  let total = 0;
  const files = new Map<string, { size: number; writtenMs: number }>();
  for (const name of await readdir(dir)) {
    // A write cut short by a crash leaves its temp file; it was never an attachment.
    if (name.endsWith('.tmp') && ID.test(name.slice(0, -4))) await rm(join(dir, name), { force: true });
    if (!ID.test(name)) continue;
    const info = await stat(join(dir, name));
    files.set(name, { size: info.size, writtenMs: info.mtimeMs });
    total += info.size;
  }
  const pathOf = (id: string): string => {
    if (!ID.test(id)) throw new Error(`invalid attachment id ${JSON.stringify(id)}`);
    return join(dir, id);
  };

  return {
    shared: false,
    async put(id, body) {
      const path = pathOf(id);
      const tmp = `${path}.tmp`;
      await writeFile(tmp, body);
      await rename(tmp, path);
      total += body.length - (files.get(id)?.size ?? 0);
      files.set(id, { size: body.length, writtenMs: (await stat(path)).mtimeMs });
    },
    async open(id) {
      if (!ID.test(id)) return undefined;
      try {
        const info = await stat(pathOf(id));
        return { stream: createReadStream(pathOf(id)), size: info.size };
      } catch {
        return undefined;
      }
    },
    async remove(ids) {
      for (const id of ids) {
        if (!ID.test(id)) continue;
        await rm(pathOf(id), { force: true });
        total -= files.get(id)?.size ?? 0;
        files.delete(id);
      }
    },
    async ids(options = {}) {
      const before = options.storedBefore;
      return [...files].filter(([, f]) => before === undefined || f.writtenMs < before).map(([id]) => id);
    },
    async totalSize() {
      return total;
    },
    async close() {},
  };
}
