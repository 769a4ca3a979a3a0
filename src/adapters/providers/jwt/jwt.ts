import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

/** A compact JWS (RFC 7515) over JSON header and claims; ES256 signatures in JOSE r||s form. */
export function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  const alg = header.alg;
  const signature =
    alg === 'ES256'
      ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
      : alg === 'RS256'
        ? sign('sha256', Buffer.from(input), key)
        : undefined;
  if (!signature) throw new Error(`unsupported JWT algorithm ${String(alg)}`);
  return `${input}.${signature.toString('base64url')}`;
}

/** Reads a PEM private key (PKCS#8 `.p8`, SEC1 or PKCS#1), with an error that names the credential. */
export function privateKeyFromPem(pem: string, what: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new Error(`${what}: not a readable PEM private key`, { cause: err });
  }
}
