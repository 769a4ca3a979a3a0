import { sql, type Kysely } from 'kysely';

/**
 * The account file's change counter. `PRAGMA data_version` moves only for other connections'
 * commits (the CLI's), so the store counts its own writes with `written()` and `read()` folds the
 * other processes' commits in.
 */
export function prepareChangeCounter<DB>(db: Kysely<DB>): { written(): void; read(): Promise<number> } {
  let counter = 0;
  let seenDataVersion: number | undefined;
  return {
    written() {
      counter += 1;
    },
    async read() {
      const { rows } = await sql<{ data_version: number }>`PRAGMA data_version`.execute(db);
      const dataVersion = rows[0]?.data_version;
      // Folding data_version into our own counter keeps the result strictly increasing: a plain sum
      // could, in principle, land on an earlier value.
      if (seenDataVersion !== undefined && dataVersion !== seenDataVersion) counter += 1;
      seenDataVersion = dataVersion;
      return counter;
    },
  };
}
