import { readFile } from 'node:fs/promises';
import type { Config } from '../config/index.js';
import type { ApnsAuth } from '../adapters/providers/apns/sender.js';
import { parseServiceAccount } from '../adapters/providers/fcm/access-token.js';
import type { SenderSpec } from '../adapters/providers/sender-factory.js';
import { DEFAULT_WEB_PUSH_ENDPOINTS, endpointMatcher } from '../adapters/providers/webpush/endpoint-allowlist.js';

const APNS_HOSTS = { production: 'https://api.push.apple.com', sandbox: 'https://api.sandbox.push.apple.com' } as const;

/**
 * Part of the composition root (beside main.ts, the only modules that read config and build adapters).
 * One sender spec per configured provider app. Key files are read here, once, so a missing or
 * unreadable file stops the server at start with the app and field named, not at the first send.
 */
/** What each configured app's sender is built from, as plain data (a delivery thread builds it too). */
export async function senderSpecs(config: Config): Promise<SenderSpec[]> {
  const senders: SenderSpec[] = [];
  for (const app of config.apns) {
    const where = `apns app '${app.name}'`;
    let auth: ApnsAuth;
    if (app.keyFile) {
      if (!app.keyId || !app.teamId) throw new Error(`${where}: key-file needs key-id and team-id`);
      auth = { kind: 'token', keyPem: await read(app.keyFile, `${where} key-file`), keyId: app.keyId, teamId: app.teamId };
    } else if (app.certFile) {
      auth = {
        kind: 'certificate',
        certPem: await read(app.certFile, `${where} cert-file`),
        keyPem: await read(app.certKeyFile || app.certFile, `${where} cert-key-file`),
        ...(app.certPassphrase ? { passphrase: app.certPassphrase } : {}),
      };
    } else {
      throw new Error(`${where}: set key-file (with key-id and team-id) or cert-file`);
    }
    senders.push({ provider: 'apns', options: {
      app: app.name,
      baseUrl: app.baseUrl || APNS_HOSTS[app.environment],
      bundleId: app.bundleId,
      auth,
      connections: app.connections,
      ...(app.caFile ? { ca: await read(app.caFile, `${where} ca-file`) } : {}),
    } });
  }
  for (const app of config.fcm) {
    const where = `fcm app '${app.name}'`;
    let json: unknown;
    try {
      json = JSON.parse(await read(app.serviceAccountFile, `${where} service-account-file`));
    } catch (err) {
      throw new Error(`${where}: service-account-file is not JSON (${(err as Error).message})`);
    }
    senders.push({ provider: 'fcm', options: {
      app: app.name,
      serviceAccount: parseServiceAccount(json),
      baseUrl: app.baseUrl,
      connections: app.connections,
      ...(app.caFile ? { ca: await read(app.caFile, `${where} ca-file`) } : {}),
    } });
  }
  for (const app of config.hms) {
    const where = `hms app '${app.name}'`;
    senders.push({ provider: 'hms', options: {
      app: app.name,
      appId: app.appId,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      baseUrl: app.baseUrl,
      tokenUrl: app.tokenUrl,
      ...(app.caFile ? { ca: await read(app.caFile, `${where} ca-file`) } : {}),
    } });
  }
  const vapid = [config.webPushPublicKey, config.webPushPrivateKey, config.webPushEmailAddress];
  if (vapid.some((v) => v !== '')) {
    if (vapid.some((v) => v === '')) throw new Error('web-push-public-key, web-push-private-key and web-push-email-address must be set together');
    senders.push({ provider: 'webpush', options: {
      app: 'default',
      vapid: { publicKey: config.webPushPublicKey, privateKey: config.webPushPrivateKey, subject: config.webPushEmailAddress },
      outbound: {
        allowHttp: config.outboundAllowHttp,
        allowedHosts: [...config.outboundAllowedHosts],
        endpointAllowlist: webPushAllowlist(config),
        ...(config.webPushCaFile ? { ca: await read(config.webPushCaFile, 'web-push-ca-file') } : {}),
      },
    } });
  }
  return senders;
}

function webPushAllowlist(config: Config): string[] {
  return [...DEFAULT_WEB_PUSH_ENDPOINTS, ...config.webPushEndpointAllowlist];
}

/** Whether a browser's subscription endpoint points at an allowed push service (checked at subscribe time too). */
export function webPushEndpointAllowed(config: Config, endpoint: string): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && !(config.outboundAllowHttp && url.protocol === 'http:')) return false;
  return endpointMatcher(webPushAllowlist(config))(url);
}

async function read(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
