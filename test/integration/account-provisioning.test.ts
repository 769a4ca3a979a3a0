import { describe } from 'node:test';
import { provisioningScenario } from '../helpers/provisioning-scenario.js';

describe('declarative users on SQLite (auth-file)', () => {
  provisioningScenario(async () => ({ flags: { 'auth-file': 'auth.db' }, drop: async () => {} }));
});
