import { randomId } from '../../util/ids.js';

/**
 * Every account has a sync topic, `st_` and 13 random letters and digits (ntfy's shape): the web
 * app subscribes to it, and the server publishes `{"event":"sync"}` there whenever the account
 * changes, so the account's other browsers reload it.
 */
const SYNC_TOPIC_PREFIX = 'st_';
const SYNC_TOPIC_LENGTH = 16;
const SYNC_TOPIC = /^st_[A-Za-z0-9]{13}$/;

/** The message body of a sync event, exactly as ntfy sends it. */
export const SYNC_EVENT_BODY = JSON.stringify({ event: 'sync' });

export function newSyncTopic(): string {
  return SYNC_TOPIC_PREFIX + randomId(SYNC_TOPIC_LENGTH - SYNC_TOPIC_PREFIX.length);
}

/** Whether a topic name could be a sync topic (only then is the owner looked up). */
export function isSyncTopicShape(topic: string): boolean {
  return SYNC_TOPIC.test(topic);
}
