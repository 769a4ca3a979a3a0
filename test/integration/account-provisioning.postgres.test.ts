import { describe, it } from 'node:test';
import { provisioningScenario } from '../helpers/provisioning-scenario.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';

const skip = await serviceSkip('postgres');

if (skip) {
  describe('declarative users on PostgreSQL (database-url)', { skip }, () => {
    it('runs against the machine PostgreSQL', () => {});
  });
} else {
  describe('declarative users on PostgreSQL (database-url)', () => {
    provisioningScenario(async () => {
      const schema = await freshPostgresSchema('declarative users');
      return { flags: { 'database-url': schema.url }, drop: schema.drop };
    });
  });
}
