import type { IncomingHttpHeaders } from 'node:http';
import { headerText } from '../../util/header-text.js';

/**
 * Looks a parameter up the way ntfy does: each alias as a header first (case-insensitive),
 * then as a lowercase query parameter. Values are trimmed; header values are read as UTF-8
 * where their bytes allow it, and RFC 2047 words decoded.
 */
export interface ParamSource {
  headers: IncomingHttpHeaders;
  query: unknown;
}

export function param(request: ParamSource, ...aliases: readonly string[]): string | undefined {
  const headers = request.headers;
  for (const alias of aliases) {
    const value = headers[alias.toLowerCase()];
    const text = Array.isArray(value) ? value[0] : value;
    if (text !== undefined && text !== '') {
      // RFC 9218's `Priority: u=3, i` is an HTTP priority hint, not a message priority.
      if (alias === 'Priority' && /^u=\d/.test(text.trim())) continue;
      return headerText(text.trim());
    }
  }
  const query = request.query as Record<string, string | string[] | undefined>;
  for (const alias of aliases) {
    const value = query[alias.toLowerCase()];
    const text = Array.isArray(value) ? value[0] : value;
    if (text !== undefined && text !== '') return text.trim();
  }
  return undefined;
}

/** ntfy's publish parameters, canonical name first. */
export const PUBLISH_ALIASES = {
  message: ['X-Message', 'Message', 'm'],
  title: ['X-Title', 'Title', 't'],
  priority: ['X-Priority', 'Priority', 'prio', 'p'],
  tags: ['X-Tags', 'Tags', 'Tag', 'ta'],
  delay: ['X-Delay', 'Delay', 'X-At', 'At', 'X-In', 'In'],
  actions: ['X-Actions', 'Actions', 'Action'],
  click: ['X-Click', 'Click'],
  attach: ['X-Attach', 'Attach', 'a'],
  filename: ['X-Filename', 'Filename', 'file', 'f'],
  icon: ['X-Icon', 'Icon'],
  markdown: ['X-Markdown', 'Markdown', 'md'],
  email: ['X-Email', 'X-E-Mail', 'Email', 'E-Mail', 'mail', 'e'],
  call: ['X-Call', 'Call'],
  cache: ['X-Cache', 'Cache'],
  firebase: ['X-Firebase', 'Firebase'],
  unifiedPush: ['X-UnifiedPush', 'UnifiedPush', 'up'],
  template: ['X-Template', 'Template', 'tpl'],
  pollId: ['X-Poll-ID', 'Poll-ID'],
  sequenceId: ['X-Sequence-ID', 'Sequence-ID', 'sid'],
} as const;

type AliasTable = Readonly<Record<string, readonly string[]>>;

/**
 * Resolves a whole alias table in one pass over the request's headers and query (instead of
 * one probe per alias), with the same precedence as {@link param}: any header beats any query
 * parameter, and within each, the earlier alias wins.
 */
export function params<T extends AliasTable>(request: ParamSource, table: T): Partial<Record<keyof T, string>> {
  const index = aliasIndex(table);
  const out: Partial<Record<keyof T, string>> = {};
  const found = new Map<string, number>();
  for (const name of Object.keys(request.headers)) {
    const hit = index.get(name);
    if (!hit) continue;
    const value = request.headers[name];
    const text = Array.isArray(value) ? value[0] : value;
    if (text === undefined || text === '') continue;
    if (hit.alias === 'Priority' && /^u=\d/.test(text.trim())) continue;
    const rank = found.get(hit.key);
    if (rank !== undefined && rank <= hit.rank) continue;
    found.set(hit.key, hit.rank);
    out[hit.key as keyof T] = headerText(text.trim());
  }
  const query = request.query as Record<string, string | string[] | undefined> | undefined;
  if (query) {
    const fromQuery = new Map<string, number>();
    for (const name of Object.keys(query)) {
      const hit = index.get(name);
      if (!hit || found.has(hit.key)) continue;
      const value = query[name];
      const text = Array.isArray(value) ? value[0] : value;
      // The index holds lowercase names only, so `?X-Title=` never matches, as in ntfy.
      if (text === undefined || text === '') continue;
      const rank = fromQuery.get(hit.key);
      if (rank !== undefined && rank <= hit.rank) continue;
      fromQuery.set(hit.key, hit.rank);
      out[hit.key as keyof T] = text.trim();
    }
  }
  return out;
}

const indexes = new WeakMap<AliasTable, Map<string, { key: string; alias: string; rank: number }>>();

function aliasIndex(table: AliasTable): Map<string, { key: string; alias: string; rank: number }> {
  let index = indexes.get(table);
  if (!index) {
    index = new Map();
    for (const [key, aliases] of Object.entries(table)) {
      aliases.forEach((alias, rank) => index!.set(alias.toLowerCase(), { key, alias, rank }));
    }
    indexes.set(table, index);
  }
  return index;
}

/** ntfy's subscribe parameters. */
export const SUBSCRIBE_ALIASES = {
  poll: ['X-Poll', 'Poll', 'po'],
  since: ['X-Since', 'Since', 'si'],
  scheduled: ['X-Scheduled', 'Scheduled', 'sched'],
  id: ['X-ID', 'ID'],
  message: ['X-Message', 'Message', 'm'],
  title: ['X-Title', 'Title', 't'],
  priority: ['X-Priority', 'Priority', 'prio', 'p'],
  tags: ['X-Tags', 'Tags', 'Tag', 'ta'],
} as const;
