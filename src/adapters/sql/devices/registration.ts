import type { Kysely, Transaction } from 'kysely';
import type { DeviceRecord, DeviceRegistration, DeviceStore } from '../../../ports/device-store.js';
import { deleteDevice, insertTopics, newDevice, optionalFields, replaceTopics, selectDevice, sortedTopics } from './device-rows.js';
import { deviceFromRow, type DevicesDatabase, type DevicesDialect, type DevicesTable } from './schema.js';

/**
 * Attempts of one registration that lost a race to another node. Each lost attempt means another
 * registration of the same token committed meanwhile, so a handful is plenty.
 */
const REGISTER_ATTEMPTS = 5;

/**
 * Registration, the hot write of the registry: an app registers again on every start.
 *
 * A registration without a known id is one upsert on (app, provider, token): however many nodes
 * register the same token at once, the database inserts one row and turns every other attempt
 * into an update of it, which also holds the row for the rest of the transaction (topic writes
 * wait behind it). The inserted row keeps the id it was given, so an answer carrying that id is
 * the one that created the device.
 *
 * A rotation (an id naming an existing device) first holds that device, then waits for other
 * rotations onto the same token, then removes whichever other device has the token and moves it
 * over. A plain registration may still insert the token in between, or two devices may swap tokens
 * at the same moment; the database then refuses one of the two (unique violation, deadlock) and
 * that one runs again from the start, now seeing the winner.
 */
export function prepareRegistration(db: Kysely<DevicesDatabase>, dialect: DevicesDialect): Pick<DeviceStore, 'register'> {
  return {
    async register(input, now) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction().execute((trx) => registerOnce(trx, dialect, input, now));
        } catch (err) {
          if (attempt >= REGISTER_ATTEMPTS || !dialect.isRegistrationRace(err)) throw err;
        }
      }
    },
  };
}

async function registerOnce(
  trx: Transaction<DevicesDatabase>, dialect: DevicesDialect, input: DeviceRegistration, now: number,
): Promise<{ device: DeviceRecord; created: boolean }> {
  if (input.id !== undefined) {
    const named = await trx.selectFrom('devices').select(['id', 'app', 'provider', 'token']).where('id', '=', input.id)
      .$if(dialect.rowLocks, (q) => q.forUpdate()).executeTakeFirst();
    if (named) {
      const rotation = named.token !== input.token || named.app !== input.app || named.provider !== input.provider;
      return { device: await reregister(trx, dialect, named.id, rotation, input, now), created: false };
    }
    // An id that names no device is ignored: the client's stored id is stale.
  }

  const fresh = newDevice(input, now);
  const row = await trx.insertInto('devices').values(fresh)
    .onConflict((oc) => oc.columns(['app', 'provider', 'token']).doUpdateSet(renewal(input, now)))
    .returningAll()
    .executeTakeFirstOrThrow();
  if (row.id === fresh.id) {
    const topics = sortedTopics(input.topics);
    await insertTopics(trx, row.id, topics);
    return { device: deviceFromRow({ ...row, topics }), created: true };
  }
  if (input.topics) {
    await replaceTopics(trx, row.id, input.topics);
    return { device: deviceFromRow({ ...row, topics: sortedTopics(input.topics) }), created: false };
  }
  return { device: (await selectDevice(trx, dialect, row.id))!, created: false };
}

/** Re-registration of the device the client named (held by this transaction), with whatever token it holds now. */
async function reregister(
  trx: Transaction<DevicesDatabase>, dialect: DevicesDialect, id: string, rotation: boolean, input: DeviceRegistration, now: number,
): Promise<DeviceRecord> {
  if (rotation) {
    // Rotations onto one token queue, so that many at once do not keep failing each other: each
    // one sees the token where the previous one left it. Only rotations: the common re-registration
    // with an unchanged token can meet no other holder, and taking no lock it cannot close a cycle
    // with a rotation that waits for its device.
    await dialect.serialize(trx, `token:${input.app}:${input.provider}:${input.token}`);
    // A rotation that lands on a token another device holds: the client that sent the id owns the
    // token now, so the stale twin goes rather than the device the client knows about.
    const twin = await trx.selectFrom('devices').select('id')
      .where('app', '=', input.app).where('provider', '=', input.provider).where('token', '=', input.token).where('id', '!=', id)
      .executeTakeFirst();
    if (twin) await deleteDevice(trx, twin.id);
  }
  await trx.updateTable('devices')
    .set({ app: input.app, provider: input.provider, token: input.token, ...renewal(input, now) })
    .where('id', '=', id)
    .execute();
  if (input.topics) await replaceTopics(trx, id, input.topics);
  return (await selectDevice(trx, dialect, id))!;
}

/** What any registration of an existing device changes: the given fields, and it is active and seen now. */
function renewal(input: DeviceRegistration, now: number): Partial<DevicesTable> {
  return {
    platform: input.platform,
    ...(input.keys !== undefined && { p256dh: input.keys?.p256dh ?? null, auth: input.keys?.auth ?? null }),
    ...optionalFields(input),
    state: 'active',
    invalid_reason: null,
    updated_at: now,
    last_seen_at: now,
  };
}
