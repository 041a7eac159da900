/**
 * The embedded database (node:sqlite, one file, WAL): lists and their subscribers,
 * unsubscribes and bounces (suppressions), and the delivery journal.
 */
import { existsSync, lstatSync, mkdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { LettreError } from "../core/diagnostic.ts";
import { type MessageKey, type Params, t } from "../core/i18n.ts";

export const DATABASE_FILE = ".lettre/lettre.db";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS subscribers (
  list TEXT NOT NULL,
  email TEXT NOT NULL,            -- lowercased: the key
  address TEXT NOT NULL,          -- as imported
  fields TEXT NOT NULL DEFAULT '{}',
  added TEXT NOT NULL,
  updated TEXT NOT NULL,
  PRIMARY KEY (list, email)
) STRICT;
CREATE TABLE IF NOT EXISTS journal (
  issue TEXT NOT NULL,
  list TEXT NOT NULL,
  email TEXT NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('pending', 'sending', 'sent', 'deferred', 'failed', 'unknown')),
  message_id TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  code INTEGER,
  response TEXT,
  updated TEXT NOT NULL,
  PRIMARY KEY (issue, list, email)
) STRICT;
CREATE TABLE IF NOT EXISTS runs (
  issue TEXT NOT NULL,
  list TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started TEXT NOT NULL,
  PRIMARY KEY (issue, list)
) STRICT;
-- The issue as compiled at the first send to a list: a resumed send sends exactly this
-- version, whatever was edited since (see frozenEdition in send/index.ts).
CREATE TABLE IF NOT EXISTS editions (
  issue TEXT NOT NULL,
  list TEXT NOT NULL,
  hash TEXT NOT NULL,             -- SHA-256 of subject, html and text
  subject TEXT NOT NULL,
  html TEXT NOT NULL,
  text TEXT NOT NULL,
  frozen_at TEXT NOT NULL,
  PRIMARY KEY (issue, list)
) STRICT;
CREATE TABLE IF NOT EXISTS suppressions (
  email TEXT PRIMARY KEY,
  reason TEXT NOT NULL CHECK (reason IN ('unsubscribed', 'bounced')),
  detail TEXT,
  at TEXT NOT NULL
) STRICT;
`;

/** Which file each connection opened: its path, and the file that was there then. */
const opened = new WeakMap<DatabaseSync, { file: string; dev: number; ino: number }>();

/** How long a command waits for another program that holds the database. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creates) the project's database. A database that cannot be used (not a database,
 * locked, read-only, a folder in its place…) throws a LettreError that names the file and
 * the fix, never a bare SQLite message.
 */
export function openDatabase(root: string): DatabaseSync {
  const file = path.join(root, DATABASE_FILE);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
  } catch (error) {
    throw folderError(error);
  }
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file);
    db.exec(
      `PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS};`,
    );
    db.exec(SCHEMA);
    const { dev, ino } = statSync(file);
    opened.set(db, { file, dev, ino });
    return db;
  } catch (error) {
    if (db?.isOpen) db.close();
    throw databaseError(error, file) ?? error;
  }
}

/**
 * True when the file at the database's path is no longer the one this connection writes to
 * (deleted, or replaced by another file). SQLite keeps writing to the unlinked file, so
 * whatever is recorded after that would vanish with the process.
 */
export function databaseGone(db: DatabaseSync): boolean {
  const known = opened.get(db);
  if (!known) return false;
  try {
    const now = statSync(known.file);
    return now.dev !== known.dev || now.ino !== known.ino;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ENOTDIR";
  }
}

/**
 * Copies everything this connection still sees (the deleted or replaced file) to a new file
 * beside the database, `.lettre/lettre-rescued-<date>.db`. Returns its path relative to the
 * project, or throws.
 */
export function rescueDatabase(db: DatabaseSync): string {
  const known = opened.get(db);
  if (!known) throw new Error("unknown database");
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const folder = path.dirname(known.file);
  const target = path.join(folder, `lettre-rescued-${stamp}.db`);
  mkdirSync(folder, { recursive: true });
  db.prepare("VACUUM INTO ?").run(target);
  return path.join(path.dirname(DATABASE_FILE), path.basename(target));
}

/** What {@link closeDatabase} found at the database's path, and did with the files beside it. */
export interface Closed {
  /** The file this connection opened is still there; deleted; or another file took its place. */
  at: "same" | "deleted" | "replaced";
  /** `-wal` and `-shm` files of the deleted database, removed (relative to the project). */
  removed: string[];
  /**
   * `-wal` and `-shm` files left in place (relative to the project): beside a replacing file,
   * or those of a deleted database that could not be removed (`error` says why).
   */
  left: string[];
  error?: string;
}

/**
 * Closes the connection, then deals with the files SQLite keeps beside the database
 * (`lettre.db-wal`, the write-ahead log, and `lettre.db-shm`, its index), which it finds by
 * the database's path, not by the file.
 *
 * At close SQLite copies the log into the database and deletes it, but only when the file at
 * the path is still the one it opened: for a deleted or replaced database it leaves both
 * behind. Left there, they would be replayed onto whatever file is put at the path next (the
 * rescued journal put back as the editor is told to): SQLite cannot tell that they belonged
 * to another file, and the result is a damaged database. So, once the connection is closed
 * (never before: an open connection still writes to them, and SQLite decides at close what
 * to do with them), when nothing is at the path any more, both are removed. When another
 * file is there they are left alone: they may be that file's own (another lettre command may
 * have it open), which only the editor can know.
 */
export function closeDatabase(db: DatabaseSync): Closed {
  const known = opened.get(db);
  if (db.isOpen) db.close();
  const closed: Closed = { at: "same", removed: [], left: [] };
  if (!known) return closed;
  const beside = ["-wal", "-shm"].map((suffix) => `${known.file}${suffix}`);
  const shown = (file: string) => path.join(path.dirname(DATABASE_FILE), path.basename(file));
  try {
    const now = statSync(known.file);
    if (now.dev !== known.dev || now.ino !== known.ino) {
      closed.at = "replaced";
      closed.left = beside.filter((file) => existsSync(file)).map(shown);
    }
    return closed;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Not known to be gone (unreadable folder…): nothing is touched.
    if (code !== "ENOENT" && code !== "ENOTDIR") return closed;
  }
  closed.at = "deleted";
  for (const file of beside) {
    try {
      // lstat, not exists: a dangling link in its place is a leftover too.
      lstatSync(file);
    } catch {
      continue;
    }
    try {
      rmSync(file, { force: true });
      closed.removed.push(shown(file));
    } catch (error) {
      closed.left.push(shown(file));
      closed.error ??= (error as NodeJS.ErrnoException).code ?? String(error);
    }
  }
  return closed;
}

/** Runs `work` in one transaction: all of it is recorded, or none. */
export function transaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    // SQLite may have rolled back already (a full disk, a read-only file): keep the cause.
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/**
 * What an error of node:sqlite means for the editor: `.lettre/lettre.db: <what>: <fix>`,
 * chosen by SQLite's result code (`errcode`, extended codes carry it in the low byte).
 * Undefined when `error` is not a SQLite error.
 */
export function databaseError(error: unknown, file?: string): LettreError | undefined {
  const e = error as { code?: string; errcode?: number; errstr?: string; message?: string };
  if (e?.code !== "ERR_SQLITE_ERROR" || typeof e.errcode !== "number") return undefined;
  const detail = e.errstr ?? e.message ?? "";
  const key = ((): MessageKey => {
    switch (e.errcode & 0xff) {
      case 5: // SQLITE_BUSY
      case 6: // SQLITE_LOCKED
        return "database-locked";
      case 3: // SQLITE_PERM
      case 8: // SQLITE_READONLY
        return "database-readonly";
      case 11: // SQLITE_CORRUPT
      case 26: // SQLITE_NOTADB
        return "database-corrupt";
      case 13: // SQLITE_FULL
        return "database-full";
      case 10: // SQLITE_IOERR
        return "database-io";
      case 14: // SQLITE_CANTOPEN
        return file && isDirectory(file) ? "database-is-folder" : "database-cantopen";
      default:
        return "database-other";
    }
  })();
  return diagnosticError(key, { detail, seconds: BUSY_TIMEOUT_MS / 1000 }, error);
}

/** `.lettre` could not be created: a file in its place, or a folder one cannot write to. */
function folderError(error: unknown): LettreError {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  const key: MessageKey =
    code === "EEXIST" || code === "ENOTDIR" ? "database-folder-file" : "database-folder";
  return diagnosticError(key, { detail: code || String(error) }, error);
}

function diagnosticError(key: MessageKey, params: Params, cause: unknown): LettreError {
  return new LettreError(
    [{ file: DATABASE_FILE, rule: key, severity: "error", message: t(key, params), cause }],
    { cause },
  );
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}
