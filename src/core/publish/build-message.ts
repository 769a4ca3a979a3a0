import { HeraldError } from '../../errors/index.js';
import { parseBoolean } from '../../util/booleans.js';
import { MESSAGE_ID_LENGTH, randomId } from '../../util/ids.js';
import { extensionForContentType, sniffContentType } from '../../util/mime-sniff.js';
import type { Message, MessageAction } from '../messages/message.js';
import { isCallValue } from '../calls/call-value.js';
import { parseActions } from './actions.js';
import { parseDelay } from './delay.js';
import { parsePriority, parseTags } from './priority.js';
import type { PublishInput } from './publish-input.js';
import type { PublishOptions } from './publish-options.js';
import { parseSequenceId } from './sequence-id.js';
import { findTemplate, parseTemplateMode, type TemplateMode } from './template-mode.js';
import { renderTemplate } from './template/index.js';
import type { TemplateFileSource } from '../../ports/template-files.js';

/** A message ready to store and fan out, plus what the caller still has to do with it. */
export interface BuiltMessage {
  message: Message;
  /** Bytes to store as the message's attachment (uploads only). */
  upload?: Uint8Array;
  /** The message is delivered later by the scheduler. */
  scheduled: boolean;
  /** The message goes into the cache (`Cache: no` and poll requests do not). */
  cache: boolean;
  /** `X-Email`: the address the message is also e-mailed to. */
  email?: string;
  /** Published for UnifiedPush (`up=1`, or an `aes128gcm` body): for an app's own push server, not for people. */
  unifiedPush: boolean;
  /** `X-Call`: yes/true/1 or a number, still to be matched against the publisher's verified numbers. */
  call?: string;
}

const HTTP_URL = /^https?:\/\//i;
const TEMPLATE_BODY_LIMIT = 32768;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns a publish request into a message, following ntfy's rules for parameters and for how
 * the body is read (spec §3.1, §3.2). Validation failures are HeraldErrors with ntfy's codes.
 */
export function buildMessage(input: PublishInput, options: PublishOptions, nowMs: number, templates?: TemplateFileSource): BuiltMessage {
  const nowSec = Math.floor(nowMs / 1000);
  const message: Message = { id: randomId(MESSAGE_ID_LENGTH), time: nowSec, event: 'message', topic: input.topic };
  message.sender = input.sender;

  const cache = parseBoolean(input.cache, true) && options.cacheDurationMs > 0;
  const unifiedPush = parseBoolean(input.unifiedPush, false) || input.contentEncoding?.trim().toLowerCase() === 'aes128gcm';
  const markdown = parseBoolean(input.markdown, false) || /^text\/markdown\b/i.test(input.contentType ?? '');
  const templateMode = parseTemplateMode(input.template);
  const pollId = input.pollId?.trim() ?? '';

  if (input.sequenceId !== undefined && input.sequenceId !== '') message.sequence_id = parseSequenceId(input.sequenceId);
  if (input.title) message.title = input.title;
  if (input.click) message.click = input.click;
  // With inline templates the priority parameter is a template too (ntfy 2.17): read it once rendered.
  const priority = templateMode.kind === 'inline' ? undefined : parsePriority(input.priority);
  if (priority !== undefined) message.priority = priority;
  const tags = input.parsedTags ?? parseTags(input.tags);
  if (tags.length > 0) message.tags = tags;
  if (input.icon) {
    if (!HTTP_URL.test(input.icon)) throw new HeraldError('iconUrlInvalid');
    message.icon = input.icon;
  }
  const actions = input.parsedActions !== undefined ? parseActions(JSON.stringify(input.parsedActions)) : input.actions ? parseActions(input.actions) : [];
  if (actions.length > 0) message.actions = actions as MessageAction[];
  if (input.attach && !HTTP_URL.test(input.attach)) throw new HeraldError('attachmentUrlInvalid');
  if (markdown) message.content_type = 'text/markdown';

  const email = input.email?.trim() ?? '';
  if (email && !options.emailEnabled) throw new HeraldError('emailDisabled');
  const call = input.call?.trim() ?? '';
  if (call) {
    if (!options.callsEnabled) throw new HeraldError('callsDisabled');
    if (!isCallValue(call)) throw new HeraldError('callNumberInvalid');
  }

  let scheduled = false;
  const delay = input.delay?.trim() ?? '';
  if (delay) {
    if (!cache) throw new HeraldError('delayNoCache');
    if (email) throw new HeraldError('delayNoEmail');
    // The number is resolved and the quota charged at publish time; a stored message keeps neither.
    if (call) throw new HeraldError('delayNoCall');
    message.time = parseDelay(delay, nowMs, { minMs: options.messageDelayMinMs, maxMs: options.messageDelayMaxMs });
    scheduled = true;
  }

  let text = input.message !== undefined ? input.message.replace(/\\n/g, '\n') : '';
  let upload: Uint8Array | undefined;
  const body = input.body;

  if (pollId) {
    // A poll request only tells the app to fetch: its body is not kept.
    message.event = 'poll_request';
    message.poll_id = pollId;
    text = 'New message';
    return finish(message, text, false, scheduled, undefined, unifiedPush);
  }

  if (unifiedPush) {
    const peek = body.subarray(0, options.messageSizeLimit);
    const decoded = decodeUtf8(peek);
    if (decoded !== undefined) text = decoded;
    else {
      text = Buffer.from(peek).toString('base64');
      message.encoding = 'base64';
    }
  } else if (input.attach) {
    if (body.length > 0) text = bodyText(body, options) ?? text;
    const name = input.filename || urlFileName(input.attach);
    message.attachment = { name, url: input.attach };
    if (!text) text = `You received a file: ${name}`;
  } else if (input.filename) {
    upload = body;
  } else if (templateMode.kind !== 'off') {
    const rendered = renderTemplates(body, templateMode, { message: text, title: message.title, priority: input.priority }, templates);
    text = rendered.text;
    if (rendered.title) message.title = rendered.title;
    else delete message.title;
    if (rendered.priority !== undefined) message.priority = rendered.priority;
  } else if (body.length < options.messageSizeLimit && decodeUtf8(body) !== undefined) {
    const trimmed = (decodeUtf8(body) ?? '').trim();
    if (trimmed) text = trimmed;
  } else {
    upload = body;
  }

  if (upload) {
    // Without a configured base-url the address the client used is the best public URL we know,
    // so attachments work out of the box (ntfy refuses them instead).
    const baseUrl = options.baseUrl || input.origin;
    if (!options.attachmentsEnabled || !baseUrl) throw new HeraldError('attachmentsDisallowed');
    const type = sniffContentType(upload.subarray(0, 512));
    const ext = extensionFor(input.filename, type);
    const expires = Math.floor((nowMs + options.attachmentExpiryMs) / 1000);
    if (scheduled && message.time > expires) throw new HeraldError('attachmentExpiresBeforeDelivery');
    const name = input.filename || `attachment${ext}`;
    message.attachment = { name, type, size: upload.length, expires, url: `${baseUrl.replace(/\/+$/, '')}/file/${message.id}${ext}` };
    if (!text) text = `You received a file: ${name}`;
  }

  if (!text) text = 'triggered';
  if (cache) message.expires = message.time + Math.floor(options.cacheDurationMs / 1000);
  const built = finish(message, text, cache, scheduled, upload, unifiedPush);
  if (email) built.email = email;
  if (call) built.call = call;
  return built;
}

function finish(message: Message, text: string, cache: boolean, scheduled: boolean, upload: Uint8Array | undefined, unifiedPush: boolean): BuiltMessage {
  message.message = text;
  return upload ? { message, upload, scheduled, cache, unifiedPush } : { message, scheduled, cache, unifiedPush };
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The body as message text when it is small UTF-8, trimmed; undefined otherwise. */
function bodyText(body: Uint8Array, options: PublishOptions): string | undefined {
  if (body.length >= options.messageSizeLimit) return undefined;
  return decodeUtf8(body)?.trim() || undefined;
}

interface TemplateParts {
  message: string;
  title: string | undefined;
  priority: string | undefined;
}

/**
 * Template mode: the body is JSON, and the message, title and priority come from templates rendered
 * against it, either the request's own parameters (inline) or a named template's parts. A part the
 * named template leaves out keeps the request's plain value; a message nobody templated is the body.
 */
function renderTemplates(body: Uint8Array, mode: TemplateMode, params: TemplateParts, files: TemplateFileSource | undefined): { text: string; title: string | undefined; priority: number | undefined } {
  if (body.length > TEMPLATE_BODY_LIMIT) throw new HeraldError('jsonBodyTooLarge');
  // Look the template up before reading the body, so a wrong name is reported as such.
  const named = mode.kind === 'named' ? findTemplate(mode.name, files) : undefined;
  let data: unknown;
  try {
    data = JSON.parse(decodeUtf8(body) ?? '');
  } catch {
    throw new HeraldError('templateJsonInvalid');
  }
  const sources = named ?? { message: params.message || undefined, title: params.title, priority: params.priority?.trim() ? params.priority : undefined };
  const text = sources.message ? renderTemplate(sources.message, data) : named && params.message ? params.message : (decodeUtf8(body) ?? '');
  const title = sources.title ? renderTemplate(sources.title, data).trim() : named ? params.title : undefined;
  let priority: number | undefined;
  if (sources.priority) priority = parsePriority(renderTemplate(sources.priority, data));
  else if (named) priority = parsePriority(params.priority);
  return { text: text.trim(), title: title || undefined, priority };
}

/** The file name an external attachment URL suggests: its last path segment, or `attachment`. */
function urlFileName(url: string): string {
  try {
    const segment = new URL(url).pathname.split('/').filter(Boolean).pop();
    return segment ? decodeURIComponent(segment) : 'attachment';
  } catch {
    return 'attachment';
  }
}

function extensionFor(filename: string | undefined, type: string): string {
  const fromName = filename?.match(/(\.[A-Za-z0-9]{1,10})$/)?.[1];
  return fromName ? fromName.toLowerCase() : extensionForContentType(type);
}
