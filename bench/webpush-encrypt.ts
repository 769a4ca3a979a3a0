import { createECDH, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { encryptPayload } from '../src/adapters/providers/webpush/encryption.js';

/**
 * RFC 8291 encryptions per second: Herald's own code against the `web-push` npm library,
 * same payloads and subscriptions, alternating rounds in one process. Bar: >= 1.0 x.
 */
interface WebPushLib {
  encrypt(p256dh: string, auth: string, payload: string | Buffer, encoding: string): { cipherText: Buffer };
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export async function main(args: string[]): Promise<number> {
  const per = flag(args, 'count', 3000);
  const rounds = flag(args, 'rounds', 5);
  const webpush = createRequire(import.meta.url)('web-push') as WebPushLib;
  const subscriptions = Array.from({ length: 16 }, () => {
    const ua = createECDH('prime256v1');
    ua.generateKeys();
    return { p256dh: ua.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
  });
  const payload = Buffer.from(JSON.stringify({ title: 'Order shipped', body: 'Your order #42 is on its way', data: { id: 'x'.repeat(200) } }));

  const runHerald = () => {
    for (let i = 0; i < per; i++) encryptPayload(payload, subscriptions[i % subscriptions.length]!);
  };
  const runLibrary = () => {
    for (let i = 0; i < per; i++) {
      const s = subscriptions[i % subscriptions.length]!;
      webpush.encrypt(s.p256dh, s.auth, payload, 'aes128gcm');
    }
  };
  // Warm both up, then alternate so machine noise hits both alike.
  runHerald();
  runLibrary();
  let heraldMs = 0;
  let libraryMs = 0;
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    runHerald();
    heraldMs += performance.now() - t;
    t = performance.now();
    runLibrary();
    libraryMs += performance.now() - t;
  }
  const total = per * rounds;
  const heraldRate = total / (heraldMs / 1000);
  const libraryRate = total / (libraryMs / 1000);
  const ratio = heraldRate / libraryRate;
  console.log(`webpush-encrypt: ${total} encryptions each, ${payload.length}-byte payload, ${rounds} alternating rounds`);
  console.log(`herald     ${Math.round(heraldRate)} encryptions/s`);
  console.log(`web-push   ${Math.round(libraryRate)} encryptions/s`);
  console.log(`ratio herald/web-push = ${ratio.toFixed(2)}`);
  console.log(`${ratio >= 1 ? 'PASS' : 'FAIL'}  webpush-encrypt: herald >= 1.0 x web-push: ratio ${ratio.toFixed(2)}`);
  return 0;
}
