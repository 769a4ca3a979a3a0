import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyError, type FastifyRequest } from 'fastify';
import { fromFastify } from '../../src/http/plugins/error-handler.js';

/** Raised only while an app is being built (a parser added too late, a route without a URL): never an answer. */
const SET_UP_ONLY = new Set(['FST_ERR_CTP_INSTANCE_ALREADY_STARTED', 'FST_ERR_INVALID_URL']);

function requestFor(url: string, config: Record<string, unknown> = {}): FastifyRequest {
  return { url, routeOptions: { config } } as unknown as FastifyRequest;
}

function fastifyError(code: string): FastifyError {
  const Ctor = (Fastify.errorCodes as unknown as Record<string, new (...args: string[]) => FastifyError>)[code]!;
  return new Ctor('a', 'b', 'c');
}

test('every Fastify error code a client can meet maps to a registry entry, none to a 500', () => {
  const clientFacing = Object.keys(Fastify.errorCodes).filter((code) => fastifyError(code).statusCode !== 500 && !SET_UP_ONLY.has(code));
  assert.ok(clientFacing.length >= 10, 'the list of codes was found');
  for (const code of clientFacing) {
    const mapped = fromFastify(fastifyError(code), requestFor('/topic'));
    assert.ok(mapped, `${code} has no registry entry`);
    if (code !== 'FST_ERR_HANDLER_TIMEOUT') assert.ok(mapped.http < 500, `${code} → ${mapped.code}`);
  }
});

test('each Fastify client error gets its own entry', () => {
  const cases: [string, string, number][] = [
    ['FST_ERR_CTP_BODY_TOO_LARGE', '/topic', 41301],
    ['FST_ERR_CTP_BODY_TOO_LARGE', '/v1/push', 41303],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', '/topic', 40081],
    ['FST_ERR_ROUTE_MISSING_CONTENT_TYPE', '/topic', 40081],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', '/topic', 40082],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', '/v1/push', 40024],
    ['FST_ERR_CTP_INVALID_JSON_BODY', '/v1/push', 40024],
    ['FST_ERR_VALIDATION', '/v1/audit', 40000],
    ['FST_ERR_BAD_URL', '/%zz/json', 40401],
    ['FST_ERR_MAX_PARAM_LENGTH', '/a,b,c/json?poll=1', 40080],
    ['FST_ERR_MAX_PARAM_LENGTH', '/a%2Cb/json', 40080],
    ['FST_ERR_MAX_PARAM_LENGTH', '/aaaa/json', 40401],
    ['FST_ERR_NOT_FOUND', '/nothing', 40401],
    ['FST_ERR_ASYNC_CONSTRAINT', '/topic', 50001],
  ];
  for (const [code, url, expected] of cases) assert.equal(fromFastify(fastifyError(code), requestFor(url))?.code, expected, `${code} on ${url}`);
  assert.equal(fromFastify(fastifyError('FST_ERR_CTP_BODY_TOO_LARGE'), requestFor('/', { jsonPublish: true }))?.code, 41303);
});

test('a body stream that broke off (a 4xx without a code) is 40000; anything else is left to the 500 path', () => {
  const aborted = Object.assign(new Error('aborted'), { statusCode: 400 }) as FastifyError;
  assert.equal(fromFastify(aborted, requestFor('/topic'))?.code, 40000);
  assert.equal(fromFastify(new Error('boom') as FastifyError, requestFor('/topic')), undefined);
});
