import { afterEach, beforeEach } from 'node:test';

/** One empty database per test. `open` may be called more than once: each call is another connection, as the CLI would make. */
export interface TestDatabase<C extends { close(): Promise<void> }> {
  open(): Promise<C>;
  /** Called after every connection opened on it is closed. */
  drop(): Promise<void>;
}

/**
 * Gives every test of the enclosing `describe` a fresh database and a first connection, and
 * closes all connections and drops the database afterwards. Call inside `describe`.
 */
export function useTestDatabase<C extends { close(): Promise<void> }>(make: () => Promise<TestDatabase<C>>): { first(): C; open(): Promise<C> } {
  let database: TestDatabase<C>;
  let opened: C[] = [];
  let first: C;
  const open = async (): Promise<C> => {
    const connection = await database.open();
    opened.push(connection);
    return connection;
  };
  beforeEach(async () => {
    database = await make();
    opened = [];
    first = await open();
  });
  afterEach(async () => {
    for (const connection of opened) await connection.close();
    await database.drop();
  });
  return { first: () => first, open };
}
