import type { Client } from 'openapi-fetch';
import type { paths } from './schema.js';
import { HeraldHttpError, type HeraldErrorBody } from './context.js';

type JsonPublish = paths['/']['post']['requestBody']['content']['application/json'];
/** Everything a JSON publish takes besides the topic and the text: title, priority, tags, click, delay, … */
export type PublishOptions = Omit<JsonPublish, 'topic' | 'message'>;
/** The message as Herald stored it. */
export type PublishedMessage = paths['/']['post']['responses'][200]['content']['application/json'];

/** Publishes one message to a topic with ntfy's JSON publishing (`POST /` with `{ topic, message, … }`). */
export async function publish(api: Client<paths>, topic: string, message: string, options: PublishOptions = {}): Promise<PublishedMessage> {
  const { data, error, response } = await api.POST('/', { body: { ...options, topic, message } });
  if (data === undefined) throw new HeraldHttpError(response.status, error as HeraldErrorBody | undefined);
  return data;
}
