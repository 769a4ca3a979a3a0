import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CA and a client certificate it signed, standing in for Apple's push certificate (certificate auth). */
export interface ClientCertificate {
  /** The CA the mock trusts for client certificates. */
  ca: string;
  cert: string;
  key: string;
  /** The same key encrypted with `passphrase`. */
  encryptedKey: string;
  passphrase: string;
}

let cached: ClientCertificate | undefined;

/** Generates (once per process) a P-256 CA and a client certificate with openssl, valid for a day. */
export function apnsClientCertificate(): ClientCertificate {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'herald-apns-client-cert-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  try {
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=Herald test push CA', '-keyout', file('ca.key'), '-out', file('ca.pem'));
    openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/UID=com.example.app/CN=Apple Push Services: com.example.app', '-keyout', file('client.key'), '-out', file('client.csr'));
    openssl('x509', '-req', '-in', file('client.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-out', file('client.pem'));
    const passphrase = 'herald-test';
    openssl('pkey', '-in', file('client.key'), '-aes256', '-passout', `pass:${passphrase}`, '-out', file('client-encrypted.key'));
    cached = {
      ca: readFileSync(file('ca.pem'), 'utf8'),
      cert: readFileSync(file('client.pem'), 'utf8'),
      key: readFileSync(file('client.key'), 'utf8'),
      encryptedKey: readFileSync(file('client-encrypted.key'), 'utf8'),
      passphrase,
    };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
