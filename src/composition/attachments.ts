import { join } from 'node:path';
import { createFileAttachmentStore } from '../adapters/local/file-attachment-store.js';
import { createS3AttachmentStore } from '../adapters/s3/s3-attachment-store.js';
import type { Config } from '../config/index.js';
import type { AttachmentStore } from '../ports/attachment-store.js';
import type { Clock } from '../ports/clock.js';
import { describeS3Location, parseS3Url } from '../util/s3-url.js';

/**
 * The attachment store the config asks for: the S3 bucket of `attachment-s3-url` (shared by every
 * node), else the directory of `attachment-cache-dir`, else none (attachments off). A bucket that
 * cannot be listed at start is a start-up error.
 */
export async function openAttachmentStore(config: Config, clock: Clock): Promise<{ store: AttachmentStore | undefined; where: string }> {
  if (config.attachmentS3Url !== '') {
    const parsed = parseS3Url(config.attachmentS3Url);
    // loadConfig already refused a malformed URL; this keeps a hand-built Config honest too.
    if (!parsed.ok) throw new Error(`attachment-s3-url: expected ${parsed.expected}`);
    return { store: await createS3AttachmentStore({ location: parsed.location, clock }), where: describeS3Location(parsed.location) };
  }
  if (config.attachmentCacheDir !== '') return { store: await createFileAttachmentStore(join(config.attachmentCacheDir)), where: config.attachmentCacheDir };
  return { store: undefined, where: 'off' };
}
