import { parseArgs } from 'node:util';
import { ApiError, apiTarget, callApi } from '../client/api.js';
import { describe } from '../client/http.js';
import { DEFAULT_SERVER, UsageError } from '../client/target.js';
import type { CliIo } from '../io.js';

export const DEVICE_HELP = `Usage: herald device list [filters]
       herald device show ID
       herald device rm ID

Lists, shows and removes devices of the push registry through the server's API.

Filters for list:
      --user USER          devices of this user
      --topic TOPIC        devices subscribed to TOPIC (their own or their user's topics)
      --provider NAME      apns, fcm, hms or webpush
      --platform NAME      e.g. ios, android, web
      --app NAME           the configured app
      --state STATE        active or invalid
      --limit N            at most N devices (default: all, fetched 1000 at a time)
      --json               one JSON object per line instead of a table

Options:
  -k, --key KEY            API key with devices:read / devices:write (default: $HERALD_KEY)
  -s, --server URL         server (default: $HERALD_SERVER or ${DEFAULT_SERVER})
  -h, --help               show this help
`;

interface DeviceJson {
  id: string;
  app: string;
  provider: string;
  platform: string;
  user: string | null;
  topics: string[];
  state: string;
  last_seen_at: string;
}

export async function runDevice(args: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        user: { type: 'string' }, topic: { type: 'string' }, provider: { type: 'string' }, platform: { type: 'string' },
        app: { type: 'string' }, state: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' },
        key: { type: 'string', short: 'k' }, server: { type: 'string', short: 's' },
      },
    });
    const target = apiTarget(values, io.env);
    const [action, id] = positionals;
    switch (action) {
      case 'list': {
        const limit = values.limit === undefined ? Infinity : Number(values.limit);
        if (!(limit > 0)) throw new UsageError('--limit must be a positive number');
        const query = new URLSearchParams();
        for (const f of ['user', 'topic', 'provider', 'platform', 'app', 'state'] as const) if (values[f]) query.set(f, values[f]);
        let cursor: string | undefined;
        let shown = 0;
        if (!values.json) io.stdout.write(`${'ID'.padEnd(21)} ${'PROVIDER'.padEnd(8)} ${'APP'.padEnd(10)} ${'PLATFORM'.padEnd(8)} ${'STATE'.padEnd(7)} ${'USER'.padEnd(16)} TOPICS\n`);
        do {
          query.set('limit', String(Math.min(1000, limit - shown)));
          if (cursor) query.set('cursor', cursor);
          const page = await callApi<{ devices: DeviceJson[]; next_cursor?: string }>(target, 'GET', `/v1/devices?${query}`);
          for (const d of page.devices) {
            io.stdout.write(values.json ? `${JSON.stringify(d)}\n`
              : `${d.id.padEnd(21)} ${d.provider.padEnd(8)} ${d.app.padEnd(10)} ${d.platform.padEnd(8)} ${d.state.padEnd(7)} ${(d.user ?? '-').padEnd(16)} ${d.topics.join(',') || '-'}\n`);
          }
          shown += page.devices.length;
          cursor = page.next_cursor;
        } while (cursor && shown < limit);
        return 0;
      }
      case 'show':
        if (!id) throw new UsageError('device show needs a device id');
        io.stdout.write(`${JSON.stringify(await callApi(target, 'GET', `/v1/devices/${encodeURIComponent(id)}`), null, 2)}\n`);
        return 0;
      case 'rm':
      case 'remove':
        if (!id) throw new UsageError('device rm needs a device id');
        await callApi(target, 'DELETE', `/v1/devices/${encodeURIComponent(id)}`);
        io.stdout.write(`removed ${id}\n`);
        return 0;
      default:
        throw new UsageError(action ? `unknown device command '${action}'` : 'say list, show or rm');
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      io.stderr.write(`herald device: ${(err as Error).message}\n\n${DEVICE_HELP}`);
      return 2;
    }
    io.stderr.write(`herald device: ${err instanceof ApiError ? err.message : describe(err)}\n`);
    return 1;
  }
}
