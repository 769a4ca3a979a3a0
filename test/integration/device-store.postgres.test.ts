import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AUDIENCE_SQL } from '../../src/adapters/postgres/devices/audience.js';
import { createPostgresDeviceStore } from '../../src/adapters/postgres/devices/index.js';
import { openPostgres, type PostgresDatabase } from '../../src/adapters/postgres/open-postgres.js';
import type { AudienceSource, DeviceRegistration, DeviceStore } from '../../src/ports/device-store.js';
import { describeDeviceStoreConformance } from '../helpers/device-store-conformance.js';
import { seedPostgresDevices } from '../helpers/seed-postgres-devices.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';

const skip = await serviceSkip('postgres');

interface Node {
  db: PostgresDatabase;
  devices: DeviceStore;
  close(): Promise<void>;
}

/** A device store on its own pool, as one Herald process would hold it. Small pools: the server is shared. */
async function storeOn(url: string): Promise<Node> {
  const db = await openPostgres({ url, poolSize: 4 });
  try {
    const devices = await createPostgresDeviceStore({ database: db });
    return { db, devices, close: () => db.close() };
  } catch (err) {
    await db.close();
    throw err;
  }
}

if (skip) {
  describe('DeviceStore conformance: postgres', { skip }, () => {
    it('runs against the machine PostgreSQL', () => {});
  });
} else {
  describeDeviceStoreConformance('postgres', async () => {
    const schema = await freshPostgresSchema('device-store conformance');
    return { open: () => storeOn(schema.url), drop: () => schema.drop() };
  });
}

/** Several stores on one fresh schema, each on its own pool: Herald processes sharing the database. */
async function nodes(name: string, count: number, run: (nodes: Node[]) => Promise<void>): Promise<void> {
  const schema = await freshPostgresSchema(name);
  const opened: Node[] = [];
  try {
    for (let i = 0; i < count; i++) opened.push(await storeOn(schema.url));
    await run(opened);
  } finally {
    for (const node of opened) await node.close();
    await schema.drop();
  }
}

/** `count` calls of `call`, spread over the nodes in turn, all started at once. */
function onAll<T>(stores: Node[], count: number, call: (store: DeviceStore, i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => call(stores[i % stores.length]!.devices, i)));
}

function registration(fields: Partial<DeviceRegistration> = {}): DeviceRegistration {
  return { app: 'default', provider: 'apns', platform: 'ios', token: randomBytes(32).toString('hex'), ...fields };
}

async function tokenHolders(node: Node, token: string): Promise<string[]> {
  const { rows } = await node.db.pool.query<{ id: string }>('SELECT id FROM devices WHERE token = $1 ORDER BY id', [token]);
  return rows.map((row) => row.id);
}

/** Every member of one source, page by page, the pages asked of the nodes in turn. */
async function walk(stores: Node[], source: AudienceSource, limit: number, between?: (page: number) => Promise<void>): Promise<string[]> {
  const out: string[] = [];
  let after: string | undefined;
  for (let page = 0; ; page++) {
    const result = await stores[page % stores.length]!.devices.pageAudience(source, { limit, ...(after !== undefined && { after }) });
    out.push(...result.members.map((m) => m.id));
    if (!result.next) return out;
    after = result.next;
    await between?.(page);
  }
}

describe('postgres device store across processes', { skip }, () => {
  it('one token registered on two nodes at once makes one device, created by exactly one call', async () => {
    await nodes('device-store same token', 2, async ([a, b]) => {
      for (let round = 0; round < 15; round++) {
        const token = `token-${round}-${randomBytes(8).toString('hex')}`;
        // Eight registrations per token, four per node, started together (a pool of four per node
        // sends them to the server at once), each with its own topics and locale.
        const results = await onAll([a!, b!], 8, (store, i) => store.register(registration({ token, topics: [`t${i}`], locale: `l${i}` }), 1000 + i));
        assert.equal(results.filter((r) => r.created).length, 1, `round ${round}: one creator`);
        assert.equal(new Set(results.map((r) => r.device.id)).size, 1, `round ${round}: every call answers with the one device`);
        assert.equal((await tokenHolders(a!, token)).length, 1);
        // The stored topics are those of one registration and its locale from the same one: each
        // registration wrote its fields and topics as one unit.
        const stored = (await b!.devices.byToken('default', 'apns', token))!;
        assert.equal(stored.topics.length, 1);
        assert.equal(stored.locale, `l${stored.topics[0]!.slice(1)}`);
      }
    });
  });

  it('rotations onto one token from several devices at once leave one holder, and no call fails', async () => {
    await nodes('device-store rotation race', 3, async (stores) => {
      const [a, b] = stores;
      for (let round = 0; round < 5; round++) {
        const target = `target-${round}`;
        const squatter = (await a!.devices.register(registration({ token: target, topics: ['old'] }), 1)).device;
        const rotating = await Promise.all(Array.from({ length: 6 }, (_, i) => b!.devices.register(registration({ topics: [`r${i}`] }), 2)));
        // Each client names its device and asks for the same new token; plain registrations of
        // that token, and the first holder registering again, run in between.
        const calls = await Promise.all([
          ...rotating.map((r, i) => stores[i % 3]!.devices.register(registration({ id: r.device.id, token: target }), 10 + i)),
          a!.devices.register(registration({ token: target }), 20),
          b!.devices.register(registration({ token: target }), 21),
          // The first holder's own app starting again, naming its device and its unchanged token.
          b!.devices.register(registration({ id: squatter.id, token: target }), 22),
        ]);
        const holders = await tokenHolders(a!, target);
        assert.equal(holders.length, 1, `round ${round}: one device holds the token`);
        assert.ok(calls.some((c) => c.device.id === holders[0]), 'the holder is one a call answered with');
        assert.equal(await a!.devices.byId(squatter.id), undefined, 'the first holder lost the token to a rotation');
        const { rows } = await a!.db.pool.query<{ n: number }>('SELECT count(*)::integer AS n FROM device_topics WHERE device_id NOT IN (SELECT id FROM devices)');
        assert.equal(rows[0]!.n, 0, 'devices removed by rotation took their topics along');
      }
    });
  });

  it('two devices swapping tokens on two nodes at once both settle, each token with one holder', async () => {
    await nodes('device-store token swap', 2, async ([a, b]) => {
      // A deadlock is found after PostgreSQL's deadlock_timeout (1 s), so a few rounds only.
      for (let round = 0; round < 4; round++) {
        const x = (await a!.devices.register(registration(), 1)).device;
        const y = (await a!.devices.register(registration(), 1)).device;
        // x asks for y's token on node A while y asks for x's on node B: each holds its own row and
        // wants to remove the other's, the shape of a deadlock, which the loser runs again.
        const [toX, toY] = await Promise.all([
          a!.devices.register(registration({ id: x.id, token: y.token }), 2),
          b!.devices.register(registration({ id: y.id, token: x.token }), 2),
        ]);
        assert.equal(toX.device.token, y.token);
        assert.equal(toY.device.token, x.token);
        assert.deepEqual(await tokenHolders(a!, x.token), [toY.device.id]);
        assert.deepEqual(await tokenHolders(a!, y.token), [toX.device.id]);
      }
    });
  });

  it('a device removed on one node while another edits its topics leaves no topic behind', async () => {
    await nodes('device-store remove while editing', 2, async ([a, b]) => {
      const registered = await Promise.all(Array.from({ length: 40 }, (_, i) => a!.devices.register(registration({ topics: [`own-${i}`] }), 1)));
      await Promise.all(registered.flatMap(({ device }, i) => [
        b!.devices.setTopics(device.id, [`added-${i}`], 'add', 2),
        a!.devices.remove(device.id),
        b!.devices.update(device.id, { topics: [`set-${i}`] }, 3),
      ]));
      const { rows } = await a!.db.pool.query<{ n: number }>('SELECT count(*)::integer AS n FROM device_topics');
      assert.equal(rows[0]!.n, 0);
      for (let i = 0; i < 40; i++) assert.equal(await b!.devices.hasTopic(`added-${i}`), false);
    });
  });

  it('replacing one user\'s topics from two nodes at once leaves exactly one of the lists', async () => {
    await nodes('device-store user topics race', 2, async ([a, b]) => {
      const lists = Array.from({ length: 12 }, (_, i) => [`shared`, `only-${i}`, `also-${i}`]);
      await onAll([a!, b!], lists.length, (store, i) => store.setUserTopics('ann', lists[i]!));
      const stored = await a!.devices.userTopics('ann');
      assert.ok(lists.some((list) => JSON.stringify([...list].sort()) === JSON.stringify(stored)), `one whole list, got ${stored.join(',')}`);
    });
  });

  it('nodes pruning dead tokens together delete each once', async () => {
    await nodes('device-store prune race', 3, async (stores) => {
      const a = stores[0]!;
      const seeded = await seedPostgresDevices(a.db, { count: 1300, topic: 'gone' });
      await Promise.all(seeded.map((device) => a.devices.markInvalid(device.id, 'Unregistered', 5)));
      const pruned = await Promise.all(stores.map((node) => node.devices.pruneInvalid(10)));
      assert.equal(pruned.reduce((x, y) => x + y, 0), 1300);
      assert.equal(await a.devices.hasTopic('gone'), false);
    });
  });

  // A broadcast audience of tens of thousands rather than the million, so the suite stays
  // quick on a shared machine; that a page's cost does not grow with its depth is read off the
  // plans in the next test.
  const DEVICES = 30_000;
  /** Every third device has a user, three devices per user, and those users are bound to the topic too. */
  const userOf = (i: number) => (i % 3 === 0 ? `u${String(Math.floor(i / 9)).padStart(5, '0')}` : null);
  async function seedBroadcast(node: Node): Promise<string[]> {
    const seeded = await seedPostgresDevices(node.db, { count: DEVICES, topic: 'everyone', userOf });
    const users = new Set(seeded.map((_, i) => userOf(i)).filter((u): u is string => u !== null));
    await node.db.pool.query(`INSERT INTO user_topics ("user", topic) SELECT unnest($1::text[]), 'everyone'`, [[...users]]);
    await node.db.pool.query('ANALYZE user_topics');
    return seeded.map((d) => d.id);
  }

  it(`pages a ${DEVICES.toLocaleString('en-US')}-device audience over two nodes while devices register: each device once`, async () => {
    await nodes('device-store broadcast paging', 2, async ([a, b]) => {
      const seeded = await seedBroadcast(a!);
      const dead = seeded[7]!;
      const deadWithUser = seeded[9]!;
      await a!.devices.markInvalid(dead, 'Unregistered', 1);
      await a!.devices.markInvalid(deadWithUser, 'Unregistered', 1);

      // Registrations arriving while the broadcast pages are seen or not, but never twice.
      let added = 0;
      const registerMeanwhile = async () => {
        await b!.devices.register(registration({ topics: ['everyone'], user: 'u00000' }), 2);
        added++;
      };
      const own = await walk([a!, b!], { kind: 'topic', topic: 'everyone' }, 1000, registerMeanwhile);
      const ownSet = new Set(own);
      assert.equal(ownSet.size, own.length, 'no device twice');
      const missing = seeded.filter((id) => id !== dead && id !== deadWithUser && !ownSet.has(id));
      assert.deepEqual(missing, [], 'every active seeded device reached');
      assert.ok(own.length <= DEVICES - 2 + added);
      assert.equal(ownSet.has(dead) || ownSet.has(deadWithUser), false, 'an invalid device is never reached');

      const viaUsers = await walk([b!, a!], { kind: 'topicUsers', topic: 'everyone' }, 700, registerMeanwhile);
      assert.equal(new Set(viaUsers).size, viaUsers.length, 'no device twice');
      const withUser = seeded.filter((_, i) => userOf(i) !== null && seeded[i] !== deadWithUser);
      const viaSet = new Set(viaUsers);
      assert.deepEqual(withUser.filter((id) => !viaSet.has(id)), [], 'every active device of a bound user reached');
      assert.ok(viaUsers.length <= withUser.length + added);
    });
  });

  it('a page deep into a large audience reads about a page of rows, on custom and generic plans', async () => {
    await nodes('device-store paging plans', 1, async ([a]) => {
      const seeded = await seedBroadcast(a!);
      const sorted = [...seeded].sort();
      const middle = sorted[Math.floor(sorted.length / 2)]!;
      const LIMIT = 500;
      const cases: [keyof typeof AUDIENCE_SQL, unknown[]][] = [
        ['topic', ['everyone', middle, LIMIT]],
        ['topicUsers', ['everyone', 'u01000', middle, LIMIT]],
        ['users', [Array.from({ length: 2000 }, (_, i) => `u${String(i).padStart(5, '0')}`), 'u01000', middle, LIMIT]],
        ['devices', [sorted.slice(0, 5000), sorted[2500], LIMIT]],
      ];
      const client = await a!.db.pool.connect();
      try {
        for (const mode of ['force_custom_plan', 'force_generic_plan']) {
          await client.query(`SET plan_cache_mode = ${mode}`);
          for (const [kind, values] of cases) {
            await client.query(`PREPARE page AS ${AUDIENCE_SQL[kind]}`);
            try {
              const literals = values.map((v) => (Array.isArray(v) ? `ARRAY[${v.map(quote).join(',')}]::text[]` : typeof v === 'number' ? String(v) : quote(String(v))));
              const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE page(${literals.join(', ')})`);
              const plan = rows[0]!['QUERY PLAN'][0].Plan;
              assert.equal(plan['Actual Rows'], LIMIT, `${kind} (${mode}): a full page`);
              const most = maxRowsTouched(plan);
              // Each plan node may touch the page and what the joins look at around it, but a
              // page that read from the top of the audience would touch tens of thousands.
              assert.ok(most <= 2.5 * LIMIT, `${kind} (${mode}): a plan node handled ${most} rows for a page of ${LIMIT}:\n${JSON.stringify(plan, null, 1)}`);
            } finally {
              await client.query('DEALLOCATE page');
            }
          }
        }
      } finally {
        await client.query('RESET plan_cache_mode').catch(() => {});
        client.release();
      }
    });
  });
});

interface PlanNode {
  'Node Type': string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** The most rows any one node of the plan produced or threw away, over all its loops. */
function maxRowsTouched(node: PlanNode): number {
  const own = (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) * node['Actual Loops'];
  return Math.max(own, ...(node.Plans ?? []).map(maxRowsTouched));
}

function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
