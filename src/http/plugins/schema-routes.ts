import type { FastifyBaseLogger, FastifyInstance, FastifySchemaCompiler, FastifySchemaValidationError, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CloneType, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { HeraldError } from '../../errors/index.js';
import { useJsonBodies } from './body-parsers.js';

/** A face whose routes are typed by their TypeBox schemas. */
export type SchemaApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/**
 * Makes `app` a face of schema-driven routes: JSON bodies with Herald's limits, request parts
 * checked against the route's TypeBox schemas, answers written as JSON with ntfy's trailing
 * newline. Response schemas describe answers (OpenAPI, tests) but do not filter them: an answer
 * is sent as its handler built it.
 */
export function schemaRoutes(app: FastifyInstance): SchemaApp {
  useJsonBodies(app);
  app.setValidatorCompiler(compileValidator);
  const serialize = (payload: unknown): string => `${JSON.stringify(payload)}\n`;
  app.setSerializerCompiler(() => serialize);
  app.setReplySerializer(serialize);
  return app.withTypeProvider<TypeBoxTypeProvider>();
}

/**
 * The body is checked as it came (40024 naming the first bad field, as every Herald JSON body).
 * Path and query parameters arrive as text: as Fastify's default validator does, they are
 * converted to the schema's types and, where the schema allows no others, unknown parameters
 * are dropped (`?auth=` carries credentials, read before this); a bad one is 40000.
 */
const compileValidator: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  if (httpPart === 'body') {
    return (data: unknown) => {
      // No body at all (no Content-Type, no length) reads as `{}`, as an empty one does.
      const body = data ?? {};
      if (check.Check(body)) return { value: body };
      const first = check.Errors(body).First();
      return { error: new HeraldError('jsonInvalid', { detail: first ? `${first.path || 'body'}: ${first.message}` : undefined }) };
    };
  }
  return (data: unknown) => {
    const value = Value.Convert(schema, dropUnknown(schema, data ?? {}));
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First();
    const error: FastifySchemaValidationError = { keyword: 'schema', instancePath: first?.path ?? '', schemaPath: '', params: {}, message: first?.message ?? 'is invalid' };
    return { error: [error] };
  };
};

function dropUnknown(schema: TSchema, data: unknown): unknown {
  if (schema.additionalProperties !== false || typeof data !== 'object' || data === null) return data;
  const known = new Set(Object.keys((schema.properties ?? {}) as object));
  return Object.fromEntries(Object.entries(data).filter(([key]) => known.has(key)));
}

/** `schema` with one example, which the OpenAPI document shows with it. */
export function withExample<S extends TSchema>(schema: S, example: Static<S>): S {
  return CloneType(schema, { examples: [example] });
}
