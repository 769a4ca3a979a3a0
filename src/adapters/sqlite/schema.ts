import type { Generated } from 'kysely';

/** Kysely's view of the message cache tables; migrations.ts creates exactly these. */
export interface MessagesTable {
  seq: Generated<number>;
  mid: string;
  time: number;
  expires: number;
  topic: string;
  message: string;
  title: string;
  priority: number;
  tags: string;
  click: string;
  icon: string;
  actions: string;
  attachment_name: string;
  attachment_type: string;
  attachment_size: number;
  attachment_expires: number;
  attachment_url: string;
  attachment_deleted: number;
  content_type: string;
  encoding: string;
  sender: string;
  user: string;
  published: number;
}

export interface StatsTable {
  key: string;
  value: number;
}

export interface CacheDatabase {
  messages: MessagesTable;
  stats: StatsTable;
}
