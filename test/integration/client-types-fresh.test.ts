import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

interface Generator {
  SCHEMA_FILE: string;
  openApiDocument(): Promise<unknown>;
  clientTypes(document: unknown): Promise<string>;
}

test('the typed client\'s generated types match the OpenAPI document the app serves', async () => {
  // The script itself, so the check and `npm run client:types` cannot drift apart.
  const script = new URL('../../../scripts/gen-client-types.mjs', import.meta.url).href;
  const generator = (await import(script)) as Generator;
  const fresh = await generator.clientTypes(await generator.openApiDocument());
  const committed = readFileSync(generator.SCHEMA_FILE, 'utf8');
  assert.ok(fresh.includes('"/v1/push"'), 'the generated types describe the push face');
  assert.ok(fresh === committed, 'clients/typescript/src/schema.d.ts is stale: run `npm run client:types` and commit the result');
});
