// Types for the kohakuvault npm package (see index.js).

/** A connection whose loadExtension is synchronous (better-sqlite3, node:sqlite). */
interface SyncConnection {
  loadExtension(path: string, entryPoint?: string): unknown;
}

/** A node-sqlite3 connection: loadExtension takes a callback. */
interface CallbackConnection {
  loadExtension(path: string, callback?: (err: Error | null) => void): unknown;
  serialize(callback?: () => void): void;
  each(...args: unknown[]): unknown;
}

/** Absolute path of the module: $KOHAKUVAULT_EXTENSION if set, else the bundled one for this platform. */
export function getLoadablePath(): string;

/** Loads kohakuvault into db: synchronously (returns db), or for node-sqlite3 a Promise of db. */
export function load<T extends CallbackConnection>(db: T): Promise<T>;
export function load<T extends SyncConnection>(db: T): T;

/** The module's entry point, sqlite3_kohakuvault_init. */
export const ENTRY_POINT: string;

/** The environment variable that overrides the bundled module: KOHAKUVAULT_EXTENSION. */
export const ENV_VAR: string;
