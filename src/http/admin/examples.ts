import type { Static } from '@sinclair/typebox';
import type { AuditAnswer, KeyAnswer, NewKeyAnswer, UsersAnswer, UserTokenAnswer } from './responses.js';
import type { KeyCreateBody } from './schemas.js';

/** Examples for the API reference, typed by their schemas (and checked against them by the OpenAPI test). */

export const keyCreateExample: KeyCreateBody = { name: 'shop backend', scopes: ['push:send', 'devices:*'], categories: ['orders'], expires: '90d' };

export const keyExample: KeyAnswer = {
  id: 'key_7QbX2mN4pL9s',
  name: 'shop backend',
  prefix: 'hk_Vd3k',
  scopes: ['push:send', 'devices:read', 'devices:write'],
  categories: ['orders'],
  created: 1764579600,
  expires: 1772355600,
  last_used: 1764583200,
};

export const newKeyExample: Static<typeof NewKeyAnswer> = {
  id: 'key_7QbX2mN4pL9s',
  name: 'shop backend',
  prefix: 'hk_Vd3k',
  scopes: ['push:send', 'devices:read', 'devices:write'],
  categories: ['orders'],
  created: 1764579600,
  expires: 1772355600,
  key: 'hk_Vd3kR8tYq2ZbN6wP0sLc4xMf',
};

export const auditExample: Static<typeof AuditAnswer> = [
  { id: 412, time: 1764583200, actor: 'user:boss', action: 'key.revoke', target: 'key_7QbX2mN4pL9s', address: '203.0.113.7', details: {} },
  { id: 411, time: 1764579600, actor: 'user:boss', action: 'key.create', target: 'key_7QbX2mN4pL9s', address: '203.0.113.7', details: { name: 'shop backend', scopes: ['push:send'] } },
];

export const usersExample: Static<typeof UsersAnswer> = [
  { username: 'phil', role: 'admin', grants: [] },
  { username: 'ben', role: 'user', tier: 'pro', grants: [{ topic: 'alerts', permission: 'read-write' }, { topic: 'backups*', permission: 'read-only' }] },
  { username: '*', role: 'user', grants: [{ topic: 'announcements', permission: 'read-only' }] },
];

export const userTokenExample: Static<typeof UserTokenAnswer> = {
  id: 'tok_5d41402abc4b2a76',
  prefix: 'tk_x7b2q',
  label: 'backup script',
  last_access: 1764583200,
  last_origin: '203.0.113.7',
  expires: 1772355600,
};
