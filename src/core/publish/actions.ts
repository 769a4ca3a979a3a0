import { HeraldError } from '../../errors/herald-error.js';
import type { MessageAction } from '../messages/message.js';
import { ACTION_ID_LENGTH, randomId } from '../../util/ids.js';

const MAX_ACTIONS = 3;
/** `copy` (ntfy 2.17) copies its `value` to the clipboard. */
const ACTION_KINDS = new Set(['view', 'broadcast', 'http', 'copy']);

/**
 * Parses the `X-Actions` header or the JSON `actions` field, in either of ntfy's two forms:
 *
 * - a JSON array of action objects, or
 * - the header form `action, label, url, key=value, ...; action, ...`, where `action=`, `label=`
 *   and (for view and http) `url=` may be left off and given by position, and a value may be
 *   wrapped in "..." or '...' to contain commas or semicolons.
 *
 * Every action gets a fresh random ID; IDs supplied by the publisher are ignored.
 */
export function parseActions(value: string): MessageAction[] {
  const trimmed = value.trim();
  if (trimmed === '') return [];
  const drafts = trimmed.startsWith('[') ? draftsFromJson(trimmed) : draftsFromSimple(trimmed);
  if (drafts.length > MAX_ACTIONS) invalid(`too many actions, only ${MAX_ACTIONS} allowed`);
  return drafts.map(finish);
}

/** An action as written by the publisher, before validation. */
interface Draft {
  action?: string;
  label?: string;
  url?: string;
  method?: string;
  body?: string;
  intent?: string;
  clear?: boolean;
  headers?: Record<string, string>;
  extras?: Record<string, string>;
  value?: string;
}

function invalid(detail: string): never {
  throw new HeraldError('actionsInvalid', { detail });
}

function finish(draft: Draft): MessageAction {
  const kind = draft.action?.toLowerCase() ?? '';
  if (!ACTION_KINDS.has(kind)) {
    invalid(kind === '' ? "parameter 'action' is required" : `action '${kind}' unknown`);
  }
  if (!draft.label) invalid("parameter 'label' is required");
  if ((kind === 'view' || kind === 'http') && !draft.url) {
    invalid(`parameter 'url' is required for action '${kind}'`);
  }
  if (kind === 'copy' && !draft.value) invalid("parameter 'value' is required for action 'copy'");
  const out: MessageAction = {
    id: randomId(ACTION_ID_LENGTH),
    action: kind as MessageAction['action'],
    label: draft.label,
    clear: draft.clear ?? false,
  };
  if (draft.url) out.url = draft.url;
  if (draft.method) out.method = draft.method.toUpperCase();
  if (draft.headers) out.headers = draft.headers;
  if (draft.body) out.body = draft.body;
  if (draft.intent) out.intent = draft.intent;
  if (draft.extras) out.extras = draft.extras;
  if (draft.value) out.value = draft.value;
  return out;
}

// ---------------------------------------------------------------- JSON form

const STRING_FIELDS = ['action', 'label', 'url', 'method', 'body', 'intent', 'value'] as const;
const MAP_FIELDS = ['headers', 'extras'] as const;

function draftsFromJson(text: string): Draft[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    invalid('actions are not valid JSON');
  }
  if (!Array.isArray(parsed)) invalid('actions must be a JSON array');
  return parsed.map((item: unknown, index) => {
    const where = `action ${index + 1}`;
    if (!isPlainObject(item)) invalid(`${where} must be a JSON object`);
    const draft: Draft = {};
    for (const field of STRING_FIELDS) {
      const v = item[field];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string') invalid(`${where}: '${field}' must be a string`);
      draft[field] = v;
    }
    for (const field of MAP_FIELDS) {
      const v = item[field];
      if (v === undefined || v === null) continue;
      if (!isPlainObject(v) || !Object.values(v).every((x) => typeof x === 'string')) {
        invalid(`${where}: '${field}' must be an object of strings`);
      }
      draft[field] = { ...(v as Record<string, string>) };
    }
    if (item.clear !== undefined && item.clear !== null) {
      if (typeof item.clear !== 'boolean') invalid(`${where}: 'clear' must be a boolean`);
      draft.clear = item.clear;
    }
    return draft;
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------- header form

interface Field {
  key: string | undefined;
  value: string;
}

// A field is key=value only when the part before '=' is a known key; otherwise the whole field
// is positional. That keeps URLs such as https://example.com/?a=b usable without quotes.
const KEY = /\s*(action|label|url|method|body|intent|value|clear|(?:headers|extras)\.[^\s=,;]+)\s*=\s*/iy;

function draftsFromSimple(text: string): Draft[] {
  return splitSimple(text)
    .filter((fields) => fields.some((f) => f.key !== undefined || f.value !== ''))
    .map(draftFromFields);
}

/** Splits the header into actions (';') and fields (','), honouring quotes at the start of a value. */
function splitSimple(text: string): Field[][] {
  const actions: Field[][] = [];
  let fields: Field[] = [];
  let pos = 0;
  for (;;) {
    KEY.lastIndex = pos;
    const keyMatch = KEY.exec(text);
    let key: string | undefined;
    if (keyMatch) {
      key = keyMatch[1];
      pos = KEY.lastIndex;
    } else {
      while (pos < text.length && /\s/.test(text[pos])) pos++;
    }
    let value: string;
    const quote = text[pos];
    if (quote === '"' || quote === "'") {
      const close = text.indexOf(quote, pos + 1);
      if (close < 0) invalid(`unterminated ${quote} quote`);
      value = text.slice(pos + 1, close);
      pos = close + 1;
      while (pos < text.length && /\s/.test(text[pos])) pos++;
      if (pos < text.length && text[pos] !== ',' && text[pos] !== ';') {
        invalid(`unexpected text after quoted value ${quote}${value}${quote}`);
      }
    } else {
      let end = pos;
      while (end < text.length && text[end] !== ',' && text[end] !== ';') end++;
      value = text.slice(pos, end).trim();
      pos = end;
    }
    fields.push({ key, value });
    if (pos >= text.length) break;
    if (text[pos] === ';') {
      actions.push(fields);
      fields = [];
    }
    pos++;
  }
  actions.push(fields);
  return actions;
}

function draftFromFields(fields: Field[]): Draft {
  const draft: Draft = {};
  fields.forEach(({ key, value }, index) => {
    if (key === undefined) {
      // Positional fields: action, label, then the URL for the kinds that have one.
      // A blank one past the label (e.g. from a trailing comma) says nothing, so skip it.
      if (index >= 2 && value === '') return;
      if (index === 0) key = 'action';
      else if (index === 1) key = 'label';
      // Broadcast has no URL and copy takes its value here; any other kind takes a URL (an
      // unknown kind is reported later).
      else if (index === 2 && draft.action?.toLowerCase() === 'copy') key = 'value';
      else if (index === 2 && draft.action?.toLowerCase() !== 'broadcast') key = 'url';
      else invalid(`term '${value}' unknown`);
    }
    const lower = key.toLowerCase();
    if (lower.startsWith('headers.')) {
      draft.headers = { ...draft.headers, [key.slice('headers.'.length)]: value };
    } else if (lower.startsWith('extras.')) {
      draft.extras = { ...draft.extras, [key.slice('extras.'.length)]: value };
    } else if (lower === 'clear') {
      draft.clear = parseStrictBoolean(value);
    } else {
      draft[lower as (typeof STRING_FIELDS)[number]] = value;
    }
  });
  return draft;
}

function parseStrictBoolean(value: string): boolean {
  const v = value.toLowerCase();
  if (v === 'true' || v === 'yes' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === '0') return false;
  return invalid(`'clear=${value}' is not a boolean`);
}
