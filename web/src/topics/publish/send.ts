import { ApiError, authorizationHeader, describeFailure, request, type Credentials } from '../../shared/api.js';
import type { StreamEvent } from '../state/index.js';

export interface Draft {
  topic: string;
  title: string;
  message: string;
  markdown: boolean;
  priority: number;
  tags: string;
  delay: string;
  click: string;
  email: string;
}

export interface SendOptions {
  baseUrl: string;
  credentials: Credentials;
  file?: File;
  /** Upload progress, 0..1 (files only). */
  onProgress?: (fraction: number) => void;
  /** Words for a dropped upload, in the reader's language. */
  droppedMessage: string;
}

function tagList(tags: string): string[] {
  return tags.split(',').map((t) => t.trim()).filter(Boolean);
}

/**
 * Publishes a draft. Without a file it is one JSON publish (`POST /`); with a file the file is
 * the body of `PUT /<topic>` with a `Filename` header (ntfy's attachment upload) and the other
 * fields go in the query, sent with XMLHttpRequest so the upload reports its progress.
 */
export async function publish(draft: Draft, options: SendOptions): Promise<StreamEvent> {
  if (!options.file) {
    return request<StreamEvent>('/', {
      server: options.baseUrl,
      credentials: options.credentials,
      method: 'POST',
      body: {
        topic: draft.topic,
        ...(draft.message ? { message: draft.message } : {}),
        ...(draft.title ? { title: draft.title } : {}),
        ...(draft.priority !== 3 ? { priority: draft.priority } : {}),
        ...(tagList(draft.tags).length ? { tags: tagList(draft.tags) } : {}),
        ...(draft.delay ? { delay: draft.delay } : {}),
        ...(draft.click ? { click: draft.click } : {}),
        ...(draft.email ? { email: draft.email } : {}),
        ...(draft.markdown ? { markdown: true } : {}),
      },
    });
  }
  const query = new URLSearchParams();
  if (draft.message) query.set('message', draft.message);
  if (draft.title) query.set('title', draft.title);
  if (draft.priority !== 3) query.set('priority', String(draft.priority));
  if (tagList(draft.tags).length) query.set('tags', tagList(draft.tags).join(','));
  if (draft.delay) query.set('delay', draft.delay);
  if (draft.click) query.set('click', draft.click);
  if (draft.email) query.set('email', draft.email);
  if (draft.markdown) query.set('markdown', 'yes');
  const url = `${options.baseUrl}/${encodeURIComponent(draft.topic)}${query.size ? `?${query}` : ''}`;
  return upload(url, options.file, options);
}

/** RFC 2047 for a header value that is not plain ASCII (Herald and ntfy decode it). */
export function headerValue(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  const bytes = new TextEncoder().encode(value);
  return `=?UTF-8?B?${btoa(String.fromCharCode(...bytes))}?=`;
}

function upload(url: string, file: File, options: SendOptions): Promise<StreamEvent> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('Filename', headerValue(file.name));
    const auth = authorizationHeader(options.credentials);
    if (auth) xhr.setRequestHeader('Authorization', auth);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) options.onProgress?.(e.loaded / e.total);
    };
    xhr.onload = () => {
      const body = parse(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300) {
        options.onProgress?.(1);
        resolve(body as StreamEvent);
        return;
      }
      const retry = Number(xhr.getResponseHeader('retry-after'));
      const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : undefined;
      const error = typeof (body as { error?: unknown })?.error === 'string' ? (body as { error: string }).error : undefined;
      reject(new ApiError(describeFailure(xhr.status, error, retryAfter), xhr.status, (body as { code?: number })?.code, retryAfter));
    };
    xhr.onerror = () => reject(new ApiError(options.droppedMessage, 0));
    xhr.onabort = () => reject(new ApiError(options.droppedMessage, 0));
    xhr.send(file);
  });
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
