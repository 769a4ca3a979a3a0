import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { HeraldError } from '../../errors/index.js';
import type { TemplateFile, TemplateFileSource } from '../../ports/template-files.js';

/** ntfy's limit on one template's source, which keeps a hostile file from costing much to parse. */
const MAX_FILE_BYTES = 32 * 1024;
const PARTS = ['title', 'message', 'priority'] as const;

/**
 * Named templates from folders of `<name>.yml` files (ntfy's format: a YAML map whose `title`,
 * `message` and `priority` are Go templates). The first folder holding the name wins. Files are
 * read on each lookup, as ntfy does, so editing one needs no restart.
 */
export function createTemplateDirSource(dirs: readonly string[]): TemplateFileSource {
  return {
    find(name) {
      for (const dir of dirs) {
        const text = readTemplate(join(dir, `${name}.yml`));
        if (text !== undefined) return parseTemplateFile(text, name);
      }
      return undefined;
    },
  };
}

function readTemplate(path: string): string | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    // A missing file (or folder) is "not here"; anything else is the server's fault and should show.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  // ntfy treats an empty file as absent too, so an emptied override falls back to the built-in.
  if (bytes.length === 0) return undefined;
  if (bytes.length > MAX_FILE_BYTES) throw new HeraldError('templateFileInvalid', { detail: `larger than ${MAX_FILE_BYTES} bytes` });
  return bytes.toString('utf8');
}

/** Exported for unit tables: the YAML rules apart from the file system. */
export function parseTemplateFile(text: string, name: string): TemplateFile {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 0 });
  } catch (err) {
    throw new HeraldError('templateFileInvalid', { detail: `${name}.yml is not YAML`, cause: err });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new HeraldError('templateFileInvalid', { detail: `${name}.yml must be a map with title, message and priority` });
  }
  const file: TemplateFile = {};
  for (const part of PARTS) {
    const value = (doc as Record<string, unknown>)[part];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new HeraldError('templateFileInvalid', { detail: `${part} in ${name}.yml must be text` });
    file[part] = value;
  }
  return file;
}
