import { HeraldError } from '../../errors/index.js';
import type { TemplateFile, TemplateFileSource } from '../../ports/template-files.js';
import { BUILTIN_TEMPLATES } from './builtin-templates.js';

/**
 * What `X-Template` asks for. ntfy's boolean words keep their meaning (`yes`, `1`, `true`: the
 * message, title and priority parameters are inline templates; `no`, `0`, `false`, empty: no
 * templating); since ntfy 2.14 any other value names a template file.
 */
export type TemplateMode = { kind: 'off' } | { kind: 'inline' } | { kind: 'named'; name: string };

const TRUE_WORDS = new Set(['1', 'yes', 'true']);
const FALSE_WORDS = new Set(['', '0', 'no', 'false']);
// The name becomes a file name, so it gets a topic name's alphabet and nothing that walks paths.
const TEMPLATE_NAME = /^[-_A-Za-z0-9]{1,64}$/;

export function parseTemplateMode(value: string | undefined): TemplateMode {
  const v = value?.trim() ?? '';
  const lower = v.toLowerCase();
  if (TRUE_WORDS.has(lower)) return { kind: 'inline' };
  if (FALSE_WORDS.has(lower)) return { kind: 'off' };
  return { kind: 'named', name: v };
}

/**
 * The named template: a file in `template-dir` first (so a server can replace a built-in one),
 * then the built-in templates. A name that cannot be a file name is simply not found.
 */
export function findTemplate(name: string, files: TemplateFileSource | undefined): TemplateFile {
  if (!TEMPLATE_NAME.test(name)) throw new HeraldError('templateFileNotFound', { detail: 'template names are 1-64 characters of [-_A-Za-z0-9]' });
  const found = files?.find(name) ?? BUILTIN_TEMPLATES.get(name);
  if (!found) throw new HeraldError('templateFileNotFound', { detail: `no template named ${name}` });
  return found;
}
