import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { ServiceAccount } from '../../../src/adapters/providers/fcm/access-token.js';

/** A service account as Google's JSON key file has it, plus the public half the mock verifies assertions with. */
export interface TestServiceAccount {
  account: ServiceAccount & { type: 'service_account'; private_key_id: string; client_id: string };
  publicKeyPem: string;
}

/**
 * A fresh RSA service account for `tokenUrl` (the mock's token endpoint), shaped like the key file
 * the Firebase console downloads, so a Herald config can load it as is.
 */
export function testServiceAccount(tokenUrl: string, projectId = 'herald-test'): TestServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const id = randomBytes(6).toString('hex');
  return {
    account: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: `herald-${id}@${projectId}.iam.gserviceaccount.com`,
      client_id: String(BigInt(`0x${id}`)),
      token_uri: tokenUrl,
    },
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
