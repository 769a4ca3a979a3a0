import { HeraldError } from '../../errors/index.js';
import { isValidTopicName } from '../../core/topics/topic-name.js';
import type { MessageFilters } from '../../core/subscriptions/filters.js';
import { parseSince } from '../../core/subscriptions/since.js';
import { parsePriorityList, parseTags } from '../../core/publish/priority.js';
import type { Since } from '../../ports/message-cache.js';
import { parseBoolean } from '../../util/booleans.js';
import { param, SUBSCRIBE_ALIASES as A, type ParamSource } from './params.js';

export interface SubscribeRequest {
  topics: string[];
  /** The topic list as written in the URL (`a,b`), echoed in open/keepalive events. */
  topicList: string;
  poll: boolean;
  since: Since;
  scheduled: boolean;
  filters: MessageFilters;
}

/**
 * Splits and checks the topic list of a subscribe path. More than `maxTopics` names give 400
 * 40080; bad names give 404, as in ntfy: the path simply does not exist.
 */
export function parseTopicList(list: string, maxTopics: number): string[] {
  const topics = list.split(',');
  if (topics.length > maxTopics) throw new HeraldError('tooManyTopicsInRequest');
  if (topics.length === 0 || !topics.every(isValidTopicName)) throw new HeraldError('notFound');
  return topics;
}

export function parseSubscribeRequest(source: ParamSource, topicList: string, nowMs: number, maxTopics: number): SubscribeRequest {
  const topics = parseTopicList(topicList, maxTopics);
  const poll = parseBoolean(param(source, ...A.poll), false);
  const since = parseSince(param(source, ...A.since), nowMs, poll);
  const scheduled = parseBoolean(param(source, ...A.scheduled), false);
  const filters: MessageFilters = {};
  const id = param(source, ...A.id);
  if (id !== undefined) filters.id = id;
  const message = param(source, ...A.message);
  if (message !== undefined) filters.message = message;
  const title = param(source, ...A.title);
  if (title !== undefined) filters.title = title;
  const priority = param(source, ...A.priority);
  if (priority !== undefined) filters.priorities = parsePriorityList(priority);
  const tags = param(source, ...A.tags);
  if (tags !== undefined) filters.tags = parseTags(tags);
  return { topics, topicList, poll, since, scheduled, filters };
}
