import { HeraldError } from '../../../errors/index.js';
import { TemplateSyntaxError, type CompiledTemplate, type TemplateEngine } from '../../../ports/template-engine.js';
import { jsonLimitViolation } from '../../../util/json-limits.js';
import { canonicalLocale } from './locale-fallback.js';
import {
  TEMPLATE_CHANNELS,
  type CompiledJson,
  type CompiledLocale,
  type LocaleOverrides,
  type TemplateChannel,
  type TemplateChannels,
  type TemplateDefinition,
  type TemplateSource,
} from './template.js';

/** Largest source of one field (a webhook body counts as its JSON text), in UTF-8 bytes. */
export const TEMPLATE_FIELD_MAX_BYTES = 64 * 1024;
export const TEMPLATE_MAX_LOCALES = 50;
const DEFAULT_LOCALE = 'en';
const NAME = /^[A-Za-z0-9][-_.A-Za-z0-9]{0,63}$/;

interface FieldSpec {
  required: boolean;
  /** `json`: any JSON whose string leaves are templates (the webhook body). */
  kind: 'string' | 'json';
  /** Outputs are HTML-escaped. */
  html?: boolean;
}

const FIELDS: Readonly<Record<TemplateChannel, Readonly<Record<string, FieldSpec>>>> = {
  push: { title: { required: false, kind: 'string' }, body: { required: true, kind: 'string' }, url: { required: false, kind: 'string' } },
  email: {
    subject: { required: true, kind: 'string' },
    html: { required: false, kind: 'string', html: true },
    text: { required: false, kind: 'string' },
  },
  sms: { text: { required: true, kind: 'string' } },
  inapp: { title: { required: false, kind: 'string' }, body: { required: true, kind: 'string' }, url: { required: false, kind: 'string' } },
  webhook: { body: { required: true, kind: 'json' } },
};

/** Template and category names: 1–64 of `A-Z a-z 0-9 - _ .`, starting with a letter or digit. */
export function isValidTemplateName(name: string): boolean {
  return NAME.test(name);
}

/**
 * Validates a template as sent to `PUT /v1/templates/{name}` (the wire shape: `category`,
 * `default_locale`, `channels`, `locales`) and compiles every field of every locale, so a
 * template that does not parse is refused now rather than failing a send later. Throws
 * HeraldError badRequest naming the offending field (as a JSON path) and locale.
 */
export function parseTemplate(name: string, json: unknown, engine: TemplateEngine): TemplateDefinition {
  if (!isValidTemplateName(name)) invalid(`template name "${name}" must be 1-64 letters, digits, "-", "_" or "."`);
  const body = asObject(json, 'the template');
  for (const key of Object.keys(body)) {
    if (!['name', 'category', 'default_locale', 'channels', 'locales'].includes(key)) invalid(`unknown field "${key}"`);
  }
  if (body.name !== undefined && body.name !== name) invalid(`name "${String(body.name)}" differs from the name in the path, "${name}"`);

  let category: string | undefined;
  if (body.category !== undefined && body.category !== null) {
    if (typeof body.category !== 'string' || !isValidTemplateName(body.category)) {
      invalid('category must be 1-64 letters, digits, "-", "_" or "."');
    }
    category = body.category;
  }

  let defaultLocale = DEFAULT_LOCALE;
  if (body.default_locale !== undefined && body.default_locale !== null) {
    if (typeof body.default_locale !== 'string') invalid('default_locale must be a string');
    defaultLocale = localeTag(body.default_locale, 'default_locale');
  }

  const compiled = new Map<string, CompiledLocale>();
  const channels = readChannels(body.channels, defaultLocale, engine, compiled);

  const locales: Record<string, LocaleOverrides> = {};
  if (body.locales !== undefined && body.locales !== null) {
    const raw = asObject(body.locales, 'locales');
    const keys = Object.keys(raw);
    if (keys.length > TEMPLATE_MAX_LOCALES) invalid(`locales has ${keys.length} entries; at most ${TEMPLATE_MAX_LOCALES} are allowed`);
    for (const key of keys) {
      const tag = localeTag(key, `locales."${key}"`);
      if (tag === defaultLocale) invalid(`locales."${key}" is the default locale; put its content in channels`);
      if (tag in locales) invalid(`locales."${key}" repeats the locale ${tag}`);
      locales[tag] = readOverrides(raw[key], `locales.${tag}`, tag, channels, engine, compiled);
    }
  }

  const source: TemplateSource = { name, defaultLocale, channels, locales };
  if (category !== undefined) source.category = category;
  return { ...source, compiled };
}

/** The wire shape of a template (what GET answers and a store may keep): the inverse of {@link parseTemplate}. */
export function templateToJson(template: TemplateSource): Record<string, unknown> {
  const json: Record<string, unknown> = { name: template.name };
  if (template.category !== undefined) json.category = template.category;
  json.default_locale = template.defaultLocale;
  json.channels = template.channels;
  json.locales = template.locales;
  return json;
}

function readChannels(value: unknown, locale: string, engine: TemplateEngine, compiled: Map<string, CompiledLocale>): TemplateChannels {
  if (value === undefined || value === null) invalid('channels is required');
  const raw = asObject(value, 'channels');
  const channels: Record<string, Record<string, unknown>> = {};
  const target: Record<string, Record<string, unknown>> = {};
  for (const [channel, content] of Object.entries(raw)) {
    if (content === null || content === undefined) continue;
    if (!isChannel(channel)) invalid(`channels.${channel} is not a channel; the channels are ${TEMPLATE_CHANNELS.join(', ')}`);
    const path = `channels.${channel}`;
    const fields = asObject(content, path);
    rejectUnknownFields(fields, channel, path);
    const kept: Record<string, unknown> = {};
    const out: Record<string, unknown> = {};
    for (const [field, spec] of Object.entries(FIELDS[channel])) {
      const v = fields[field];
      if (v === undefined || v === null) {
        if (spec.required) invalid(`${path}.${field} is required`);
        continue;
      }
      kept[field] = copyField(v, spec, `${path}.${field}`);
      out[field] = compileField(kept[field], spec, `${path}.${field}`, locale, true, engine);
    }
    if (channel === 'email' && kept.html === undefined && kept.text === undefined) invalid(`${path} needs html, text or both`);
    channels[channel] = kept;
    target[channel] = out;
  }
  if (Object.keys(channels).length === 0) invalid(`channels must have at least one of ${TEMPLATE_CHANNELS.join(', ')}`);
  compiled.set(locale, target as CompiledLocale);
  return channels as TemplateChannels;
}

function readOverrides(
  value: unknown,
  path: string,
  locale: string,
  channels: TemplateChannels,
  engine: TemplateEngine,
  compiled: Map<string, CompiledLocale>,
): LocaleOverrides {
  const raw = asObject(value, path);
  const overrides: Record<string, Record<string, unknown>> = {};
  const target: Record<string, Record<string, unknown>> = {};
  for (const [channel, content] of Object.entries(raw)) {
    if (content === null || content === undefined) continue;
    if (!isChannel(channel)) invalid(`${path}.${channel} is not a channel; the channels are ${TEMPLATE_CHANNELS.join(', ')}`);
    if (channels[channel] === undefined) invalid(`${path}.${channel} overrides a channel the default locale does not have`);
    const channelPath = `${path}.${channel}`;
    const fields = asObject(content, channelPath);
    rejectUnknownFields(fields, channel, channelPath);
    const kept: Record<string, unknown> = {};
    const out: Record<string, unknown> = {};
    for (const [field, spec] of Object.entries(FIELDS[channel])) {
      const v = fields[field];
      if (v === undefined || v === null) continue;
      kept[field] = copyField(v, spec, `${channelPath}.${field}`);
      out[field] = compileField(kept[field], spec, `${channelPath}.${field}`, locale, false, engine);
    }
    overrides[channel] = kept;
    target[channel] = out;
  }
  compiled.set(locale, target as CompiledLocale);
  return overrides as LocaleOverrides;
}

function copyField(value: unknown, spec: FieldSpec, path: string): unknown {
  if (spec.kind === 'string') {
    if (typeof value !== 'string') invalid(`${path} must be a string`);
    checkSize(Buffer.byteLength(value, 'utf8'), path);
    return value;
  }
  const violation = jsonLimitViolation(value);
  if (violation) invalid(`${path} is ${violation}`);
  const text = JSON.stringify(value);
  checkSize(Buffer.byteLength(text, 'utf8'), path);
  return JSON.parse(text) as unknown;
}

function compileField(value: unknown, spec: FieldSpec, path: string, locale: string, isDefault: boolean, engine: TemplateEngine): CompiledTemplate | CompiledJson {
  const where = { path, locale, isDefault };
  return spec.kind === 'string' ? compileSource(value as string, spec.html === true, where, engine) : compileJson(value, where, engine);
}

interface Where {
  path: string;
  locale: string;
  isDefault: boolean;
}

function compileJson(value: unknown, where: Where, engine: TemplateEngine): CompiledJson {
  if (typeof value === 'string') return { kind: 'template', template: compileSource(value, false, where, engine) };
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return { kind: 'literal', value };
  if (Array.isArray(value)) {
    return { kind: 'array', items: value.map((item, i) => compileJson(item, { ...where, path: `${where.path}[${i}]` }, engine)) };
  }
  const entries: [string, CompiledJson][] = [];
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    entries.push([key, compileJson(item, { ...where, path: `${where.path}${jsonKey(key)}` }, engine)]);
  }
  return { kind: 'object', entries };
}

function compileSource(source: string, html: boolean, where: Where, engine: TemplateEngine): CompiledTemplate {
  try {
    return engine.compile(source, { html });
  } catch (error) {
    if (!(error instanceof TemplateSyntaxError)) throw error;
    const locale = where.isDefault ? `locale ${where.locale}, the default` : `locale ${where.locale}`;
    throw new HeraldError('badRequest', {
      detail: `${where.path} (${locale}) does not parse: ${error.message}`,
      cause: error,
      details: { field: where.path, locale: where.locale, line: error.line, column: error.column },
    });
  }
}

function rejectUnknownFields(fields: Record<string, unknown>, channel: TemplateChannel, path: string): void {
  for (const key of Object.keys(fields)) {
    if (!(key in FIELDS[channel])) invalid(`${path}.${key} is not a field of ${channel}; its fields are ${Object.keys(FIELDS[channel]).join(', ')}`);
  }
}

function localeTag(value: string, path: string): string {
  const tag = canonicalLocale(value);
  if (tag === undefined) invalid(`${path}: "${value}" is not a BCP 47 language tag`);
  return tag;
}

function checkSize(bytes: number, path: string): void {
  if (bytes > TEMPLATE_FIELD_MAX_BYTES) invalid(`${path} is ${bytes} bytes; at most ${TEMPLATE_FIELD_MAX_BYTES} are allowed`);
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function isChannel(name: string): name is TemplateChannel {
  return (TEMPLATE_CHANNELS as readonly string[]).includes(name);
}

/** `.key` when the key is an identifier, `["key"]` otherwise, so a path stays unambiguous. */
function jsonKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function invalid(detail: string): never {
  throw new HeraldError('badRequest', { detail });
}
