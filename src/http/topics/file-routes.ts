import type { FastifyInstance } from 'fastify';
import { HeraldError } from '../../errors/index.js';
import type { HttpDeps } from '../deps.js';
import { attachmentDisposition } from '../../util/content-disposition.js';
import { FileParams } from './schemas.js';

const FILE_NAME = /^([A-Za-z0-9]{12})(\.[A-Za-z0-9]{1,10})?$/;

/** `GET/HEAD /file/<id>[.<ext>]`: attachment downloads, charged to the uploader's bandwidth. */
export function registerFileRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { attachments, topics, visitors, clock } = deps;
  if (!attachments) return;
  app.get<{ Params: FileParams }>('/file/:name', { schema: { params: FileParams }, config: { rateLimited: true, scope: 'public' } }, async (request, reply) => {
    const match = FILE_NAME.exec(request.params.name);
    if (!match) throw new HeraldError('notFound');
    const id = match[1]!;
    const message = await topics.messageById(id);
    const attachment = message?.attachment;
    const file = attachment ? await attachments.open(id) : undefined;
    if (!message || !attachment || !file) throw new HeraldError('notFound');
    if (request.method === 'HEAD') {
      file.stream.destroy();
    } else {
      const uploader = message.sender ? visitors.byKey(message.sender) : undefined;
      try {
        await (uploader ?? request.visitor).takeBandwidth(clock.now(), file.size);
      } catch (err) {
        file.stream.destroy();
        throw err;
      }
    }
    reply
      .header('content-length', String(file.size))
      .header('content-disposition', attachmentDisposition(attachment.name))
      .type(attachment.type || 'application/octet-stream');
    if (request.method === 'HEAD') {
      // Fastify would put Content-Length: 0 on an empty reply; a HEAD must announce the file's size.
      reply.hijack();
      reply.raw.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), 'access-control-allow-origin': deps.config.accessControlAllowOrigin });
      reply.raw.end();
      return reply;
    }
    return reply.send(file.stream);
  });
}
