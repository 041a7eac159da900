/**
 * The store of sending: the embedded database (node:sqlite, one file, `.lettre/lettre.db`)
 * with its schema, and every SQL statement of sending. Lists and their subscribers,
 * unsubscribes and bounces (suppressions), the delivery journal, the runs in progress and
 * the frozen editions are read and written here only, through functions named for what
 * they do; no other module holds SQL or calls `prepare`/`exec`.
 *
 * Rules:
 * - WAL, `synchronous = NORMAL`, a busy timeout of BUSY_TIMEOUT_MS: readers (`send status`)
 *   and the send do not block each other; a command that finds another writing waits that
 *   long, then is told the database is locked.
 * - Transactions (BEGIN IMMEDIATE, {@link transaction}), and nothing else in them:
 *   - claiming a send (send/index.ts `claim`): the runs row read, then recorded;
 *   - the start of a run (send/index.ts `sendIssue`): rows a killed run left `sending`
 *     marked `unknown`, the edition frozen, a `pending` row for each recipient;
 *   - a recipient refused ({@link RunJournal.markRefused}): `failed` and its `bounced`
 *     suppression;
 *   - a list import ({@link saveSubscribers}): every row of the file, or none.
 * - Every other write is one statement, committed alone. Above all a message's `sending`
 *   ({@link RunJournal.claimRecipient}) is committed before the transport is given the
 *   message, and its outcome (`sent`, `deferred`, `unknown`…) after: never both in one
 *   transaction, so that a run killed in between leaves `sending`, which the next run
 *   counts as unknown (never lost, never sent twice silently).
 * - Statements are prepared where they are used (for a run: once, by {@link runJournal}),
 *   never cached on the connection.
 * - A SQLite error is told to the editor through {@link databaseError}, never bare.
 */
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { addressKey, mailboxKey } from "../core/address.ts";
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
-- version, whatever was edited since (see frozenEdition below).
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
  reason TEXT NOT NULL CHECK (reason IN ('unsubscribed', 'bounced', 'complained')),
  detail TEXT,
  at TEXT NOT NULL
) STRICT;
-- A sign-up through the form of lettre serve: the proof of consent (GDPR art. 7(1)).
CREATE TABLE IF NOT EXISTS signups (
  id TEXT PRIMARY KEY,            -- SHA-256 of the confirmation link's token (never the token)
  email TEXT NOT NULL,
  address TEXT NOT NULL,
  lists TEXT NOT NULL,            -- JSON array of list names
  fields TEXT NOT NULL DEFAULT '{}',
  lang TEXT NOT NULL,
  page TEXT,                      -- the page the form was sent from
  consent TEXT NOT NULL,          -- the exact consent text the form showed
  ip TEXT,                        -- only when the config's signup.keepIp is on
  asked TEXT NOT NULL,
  confirmed TEXT
) STRICT;
-- The audit trail: every change of a subscription's status, and by what.
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL,
  list TEXT,                      -- NULL: every list
  action TEXT NOT NULL,
  by TEXT NOT NULL,
  at TEXT NOT NULL,
  detail TEXT
) STRICT;
-- People erased on request (GDPR art. 17), kept suppressed by a keyed hash of the address.
CREATE TABLE IF NOT EXISTS forgotten (
  hash TEXT PRIMARY KEY,
  at TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
-- Returned mail and provider notifications acted on (lettre inbox, SNS): each once.
CREATE TABLE IF NOT EXISTS inbox_seen (
  key TEXT PRIMARY KEY,           -- 'mail:' SHA-256 of the message, 'sns:' the feedback id
  kind TEXT NOT NULL,
  outcome TEXT NOT NULL,
  at TEXT NOT NULL
) STRICT;
-- Temporary bounces, one row per address and send: suppressed after inbox.softBounces sends.
CREATE TABLE IF NOT EXISTS soft_bounces (
  email TEXT NOT NULL,
  send TEXT NOT NULL,             -- '<issue>/<list>' of the journal row, or the message's key
  at TEXT NOT NULL,
  detail TEXT,
  PRIMARY KEY (email, send)
) STRICT;
`;

/**
 * Columns added to a table after its first release: added to a database made before them.
 * A subscriber's status on one list: `pending` (signed up, not confirmed: never sent to),
 * `active`, `unsubscribed` (from this list); `source`: `import:<file>` or `form`.
 */
const ADDED_COLUMNS: { table: string; column: string; definition: string }[] = [
  {
    table: "subscribers",
    column: "status",
    definition:
      "TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('pending', 'active', 'unsubscribed'))",
  },
  { table: "subscribers", column: "source", definition: "TEXT" },
  { table: "subscribers", column: "signup", definition: "TEXT" },
  // The mailbox an address reaches (core/address.ts mailboxKey): one confirmation per mailbox.
  { table: "signups", column: "mailbox", definition: "TEXT" },
  // What came back for a sent message: 'hard' or 'soft' bounce, 'complaint' (lettre inbox).
  { table: "journal", column: "returned", definition: "TEXT" },
  // The provider's own id of the message (Amazon SES), to match its notifications.
  { table: "journal", column: "provider_id", definition: "TEXT" },
];

const TABLES = [
  "subscribers",
  "journal",
  "runs",
  "editions",
  "suppressions",
  "signups",
  "events",
  "forgotten",
  "settings",
  "inbox_seen",
  "soft_bounces",
];

/** Every table and every added column is there (read only: no lock taken). */
function schemaComplete(db: DatabaseSync): boolean {
  const tables = new Set(
    (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
    ).map((t) => t.name),
  );
  if (!TABLES.every((table) => tables.has(table))) return false;
  const indexes = new Set(
    (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]
    ).map((i) => i.name),
  );
  if (!INDEXES.every((index) => indexes.has(index.name))) return false;
  if (!suppressionsTakeComplaints(db)) return false;
  return ADDED_COLUMNS.every(({ table, column }) =>
    db.prepare(`SELECT 1 FROM pragma_table_info('${table}') WHERE name = ?`).get(column),
  );
}

/** Indexes, made after the added columns they may cover. */
const INDEXES = [
  { name: "signups_by_email", on: "signups (email, asked)" },
  { name: "events_by_email", on: "events (email, id)" },
  { name: "signups_by_mailbox", on: "signups (mailbox, asked)" },
  { name: "journal_by_message_id", on: "journal (message_id)" },
  { name: "journal_by_provider_id", on: "journal (provider_id)" },
  { name: "journal_by_email", on: "journal (email, updated)" },
];

/** The suppressions table of lettre before issue 11 had no 'complained' reason. */
function suppressionsTakeComplaints(db: DatabaseSync): boolean {
  const row = db
    .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'suppressions'")
    .get() as { sql: string } | undefined;
  return row?.sql.includes("'complained'") ?? false;
}

function migrate(db: DatabaseSync): void {
  if (!suppressionsTakeComplaints(db)) {
    // SQLite cannot change a CHECK: the table is made again with its rows (in the caller's
    // transaction, so all or nothing).
    db.exec(`ALTER TABLE suppressions RENAME TO suppressions_before;
      CREATE TABLE suppressions (
        email TEXT PRIMARY KEY,
        reason TEXT NOT NULL CHECK (reason IN ('unsubscribed', 'bounced', 'complained')),
        detail TEXT,
        at TEXT NOT NULL
      ) STRICT;
      INSERT INTO suppressions SELECT email, reason, detail, at FROM suppressions_before;
      DROP TABLE suppressions_before;`);
  }
  for (const { table, column, definition } of ADDED_COLUMNS) {
    const columns = db.prepare(`SELECT name FROM pragma_table_info('${table}')`).all() as {
      name: string;
    }[];
    if (!columns.some((c) => c.name === column)) {
      db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    }
  }
  for (const index of INDEXES) db.exec(`CREATE INDEX IF NOT EXISTS ${index.name} ON ${index.on}`);
}

/** Which file each connection opened: its path, and the file that was there then. */
const opened = new WeakMap<DatabaseSync, { file: string; dev: number; ino: number }>();

/** How long a command waits for another program that holds the database. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creates) the project's database. A database that cannot be used (not a database,
 * locked, read-only, a folder in its place…) throws a LettreError that names the file and
 * the fix, never a bare SQLite message.
 */
export function openDatabase(
  root: string,
  /** How long to wait for another program's write (lettre serve: a short wait, then 503). */
  busyTimeoutMs = BUSY_TIMEOUT_MS,
): DatabaseSync {
  const file = path.join(root, DATABASE_FILE);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
  } catch (error) {
    throw folderError(error);
  }
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file);
    // The busy timeout first: switching to WAL may wait for another program's open too.
    db.exec(
      `PRAGMA busy_timeout = ${Math.round(busyTimeoutMs)}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;`,
    );
    // Deleted pages are overwritten: an erased address (subscriber forget) leaves no copy.
    db.exec("PRAGMA secure_delete = ON");
    const created = db;
    // Written only when something is missing: opening never waits for another writer.
    if (!schemaComplete(created)) {
      transaction(created, () => {
        created.exec(SCHEMA);
        migrate(created);
      });
    }
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
  // Called inside another transaction: one of its steps, committed (or not) with it.
  if (db.isTransaction) return work();
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

const now = () => new Date().toISOString();

// ---------------------------------------------------------------------------------------
// Lists: subscribers and suppressions.

export interface Subscriber {
  email: string;
  address: string;
  fields: Record<string, string>;
  status: "subscribed" | "pending" | "unsubscribed" | "bounced" | "complained";
  /** `import:<file>`, `form`, or undefined for rows imported before sources were kept. */
  source?: string;
  /** Row's signup (its consent record), for addresses that joined through the form. */
  signup?: string;
}

/** Who did it, in the audit trail. */
export type By =
  | "form"
  | "link"
  | "one-click"
  | "mailto"
  | "editor"
  | "bounce"
  | "complaint"
  | "import"
  | "expiry";

/** One line of the audit trail. */
export interface AuditEvent {
  email: string;
  list: string | null;
  action: string;
  by: By;
  at: string;
  detail: string | null;
}

/** Writes lines of the audit trail (the statement prepared once, for many lines). */
function eventWriter(db: DatabaseSync) {
  const insert = db.prepare(
    "INSERT INTO events (email, list, action, by, at, detail) VALUES (?, ?, ?, ?, ?, ?)",
  );
  return (event: Omit<AuditEvent, "detail"> & { detail?: string }) => {
    insert.run(event.email, event.list, event.action, event.by, event.at, event.detail ?? null);
  };
}

function logEvent(db: DatabaseSync, event: Omit<AuditEvent, "detail"> & { detail?: string }) {
  eventWriter(db)(event);
}

/**
 * Writes a list's rows, keyed by lowercased address, in one transaction: each is added or
 * updated (never removed; a status never changed: an address that left the list stays out).
 * Says how many were added, updated, and are suppressed (unsubscribed or bounced, kept but
 * never sent to). Addresses erased on request ({@link forgetPerson}) are not stored again and
 * count as suppressed.
 */
export function saveSubscribers(
  db: DatabaseSync,
  list: string,
  rows: Map<string, { address: string; fields: Record<string, string> }>,
  at: string,
  source = "import",
): { added: number; updated: number; suppressed: number } {
  const counts = { added: 0, updated: 0, suppressed: 0 };
  const existing = db.prepare("SELECT status FROM subscribers WHERE list = ? AND email = ?");
  const upsert = db.prepare(`
    INSERT INTO subscribers (list, email, address, fields, added, updated, status, source) VALUES (?, ?, ?, ?, ?, ?, 'active', ?)
    ON CONFLICT (list, email) DO UPDATE SET address = excluded.address, fields = excluded.fields, updated = excluded.updated`);
  const suppressed = db.prepare("SELECT 1 FROM suppressions WHERE email = ?");
  transaction(db, () => {
    const forgotten = forgottenTest(db);
    const log = eventWriter(db);
    for (const [key, row] of rows) {
      if (forgotten(key)) {
        counts.suppressed++;
        continue;
      }
      const before = existing.get(list, key) as { status: string } | undefined;
      if (before) counts.updated++;
      else counts.added++;
      if (suppressed.get(key) || (before && before.status !== "active")) counts.suppressed++;
      upsert.run(list, key, row.address, JSON.stringify(row.fields), at, at, source);
      if (!before)
        log({ email: key, list, action: "subscribed", by: "import", at, detail: source });
    }
  });
  return counts;
}

/** A row of subscribers as read. */
interface SubscriberRow {
  list: string;
  email: string;
  address: string;
  fields: string;
  status: string;
  source: string | null;
  signup: string | null;
  added: string;
  updated: string;
}

const SUBSCRIBER_COLUMNS =
  "s.list, s.email, s.address, s.fields, s.status, s.source, s.signup, s.added, s.updated";

/** A row as a Subscriber; a suppression (`reason`) outranks the row's own status. */
function subscriberOf(row: SubscriberRow, reason?: string | null): Subscriber {
  return {
    email: row.email,
    address: row.address,
    fields: JSON.parse(row.fields),
    status:
      (reason as Subscriber["status"] | null | undefined) ??
      (row.status === "active" ? "subscribed" : (row.status as Subscriber["status"])),
    ...(row.source ? { source: row.source } : {}),
    ...(row.signup ? { signup: row.signup } : {}),
  };
}

/** Everyone of the list, suppressed or not, with their status. */
export function listSubscribers(db: DatabaseSync, name: string): Subscriber[] {
  const rows = db
    .prepare(`
      SELECT ${SUBSCRIBER_COLUMNS}, p.reason FROM subscribers s
      LEFT JOIN suppressions p ON p.email = s.email
      WHERE s.list = ? ORDER BY s.email`)
    .all(name) as unknown as (SubscriberRow & { reason: string | null })[];
  return rows.map((row) => subscriberOf(row, row.reason));
}

/** Who would receive an issue sent to the list: active (confirmed), not suppressed. */
export function recipients(db: DatabaseSync, list: string) {
  return db
    .prepare(`
      SELECT s.email, s.address, s.fields FROM subscribers s
      WHERE s.list = ? AND s.status = 'active'
        AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.email = s.email)
      ORDER BY s.email`)
    .all(list)
    .map((row) => {
      const r = row as { email: string; address: string; fields: string };
      return {
        email: r.email,
        address: r.address,
        fields: JSON.parse(r.fields) as Record<string, string>,
      };
    });
}

/** How many addresses the list holds, suppressed ones included. */
export function subscriberCount(db: DatabaseSync, list: string): number {
  return Number(
    (
      db.prepare("SELECT COUNT(*) AS n FROM subscribers WHERE list = ?").get(list) as {
        n: number;
      }
    ).n,
  );
}

/** The lists and how many addresses each holds. */
export function listNames(db: DatabaseSync): { name: string; count: number }[] {
  return db
    .prepare("SELECT list AS name, COUNT(*) AS count FROM subscribers GROUP BY list ORDER BY list")
    .all() as { name: string; count: number }[];
}

/** Removes one address from a list, or the whole list. Unsubscribes are kept. */
export function removeFromList(db: DatabaseSync, name: string, address?: string): number {
  // An unsubscribed row stays: it is what keeps the address off this list at the next import.
  const result = address
    ? db
        .prepare(
          "DELETE FROM subscribers WHERE list = ? AND email = ? AND status <> 'unsubscribed'",
        )
        .run(name, addressKey(address))
    : db.prepare("DELETE FROM subscribers WHERE list = ? AND status <> 'unsubscribed'").run(name);
  return Number(result.changes);
}

/**
 * Records that `address` leaves every list: suppressed (excluded from every later send,
 * whatever list and import), each of its subscriptions marked unsubscribed, in one
 * transaction, with its line in the audit trail.
 */
export function unsubscribe(
  db: DatabaseSync,
  address: string,
  at = new Date().toISOString(),
  by: By = "editor",
): void {
  const email = addressKey(address);
  transaction(db, () => {
    db.prepare(
      "INSERT INTO suppressions (email, reason, at) VALUES (?, 'unsubscribed', ?) ON CONFLICT (email) DO UPDATE SET reason = 'unsubscribed', at = excluded.at",
    ).run(email, at);
    db.prepare(
      "UPDATE subscribers SET status = 'unsubscribed', updated = ? WHERE email = ? AND status <> 'unsubscribed'",
    ).run(at, email);
    logEvent(db, { email, list: null, action: "unsubscribed", by, at });
  });
}

/**
 * Records that `address` leaves one list (the others stay as they are). Idempotent: a second
 * call changes nothing and adds nothing to the trail. An address the list no longer holds
 * (removed by the editor since) is kept as unsubscribed, so that no import brings it back.
 */
export function unsubscribeFromList(
  db: DatabaseSync,
  list: string,
  address: string,
  by: By,
  at = new Date().toISOString(),
): void {
  const email = addressKey(address);
  transaction(db, () => {
    const changed = db
      .prepare(`INSERT INTO subscribers (list, email, address, added, updated, status, source)
        VALUES (?, ?, ?, ?, ?, 'unsubscribed', 'unsubscribe')
        ON CONFLICT (list, email) DO UPDATE SET status = 'unsubscribed', updated = excluded.updated
        WHERE status <> 'unsubscribed'`)
      .run(list, email, address, at, at).changes;
    if (Number(changed) > 0) logEvent(db, { email, list, action: "unsubscribed", by, at });
  });
}

// ---------------------------------------------------------------------------------------
// Sign-ups (double opt-in), the audit trail, erasure.

/** What a reader sent through the sign-up form, as recorded (the proof of consent). */
export interface Signup {
  id: string;
  email: string;
  address: string;
  lists: string[];
  fields: Record<string, string>;
  lang: string;
  page: string | null;
  consent: string;
  ip: string | null;
  asked: string;
  confirmed: string | null;
}

/** When the last sign-up to the mailbox `address` reaches was asked, if any. */
export function lastSignupAt(db: DatabaseSync, address: string): string | undefined {
  const row = db
    .prepare("SELECT MAX(asked) AS asked FROM signups WHERE mailbox = ?")
    .get(mailboxKey(address)) as { asked: string | null } | undefined;
  return row?.asked ?? undefined;
}

/**
 * Records a sign-up, in one transaction: its consent record, a `pending` row on each list
 * the address is not on yet (an active or unsubscribed row stays so until confirmed), a line
 * of the trail for each list.
 */
export function recordSignup(db: DatabaseSync, signup: Omit<Signup, "confirmed">): void {
  transaction(db, () => {
    db.prepare(`INSERT INTO signups (id, email, address, lists, fields, lang, page, consent, ip, asked, mailbox)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      signup.id,
      signup.email,
      signup.address,
      JSON.stringify(signup.lists),
      JSON.stringify(signup.fields),
      signup.lang,
      signup.page,
      signup.consent,
      signup.ip,
      signup.asked,
      mailboxKey(signup.address),
    );
    const pending =
      db.prepare(`INSERT INTO subscribers (list, email, address, fields, added, updated, status, source, signup)
      VALUES (?, ?, ?, ?, ?, ?, 'pending', 'form', ?)
      ON CONFLICT (list, email) DO UPDATE SET signup = excluded.signup, updated = excluded.updated
        WHERE status = 'pending'`);
    for (const list of signup.lists) {
      pending.run(
        list,
        signup.email,
        signup.address,
        JSON.stringify(signup.fields),
        signup.asked,
        signup.asked,
        signup.id,
      );
      logEvent(db, {
        email: signup.email,
        list,
        action: "signed-up",
        by: "form",
        at: signup.asked,
      });
    }
  });
}

/** Forgets a sign-up whose confirmation could not be sent (the reader may try again). */
export function dropSignup(db: DatabaseSync, id: string, detail: string): void {
  transaction(db, () => {
    const signup = findSignup(db, id);
    if (signup) forgetSignup(db, id, signup.email, "confirmation-failed", "form", now(), detail);
  });
}

/**
 * Deletes an unconfirmed sign-up and its pending rows. When lettre holds nothing else about
 * the address, its lines of the trail go too ("without confirmation, nothing is kept", as
 * the reader was told); otherwise a line says what happened.
 */
function forgetSignup(
  db: DatabaseSync,
  id: string,
  email: string,
  action: string,
  by: By,
  at: string,
  detail?: string,
): void {
  db.prepare("DELETE FROM subscribers WHERE signup = ? AND status = 'pending'").run(id);
  db.prepare("DELETE FROM signups WHERE id = ?").run(id);
  const held = db
    .prepare(`SELECT EXISTS (SELECT 1 FROM subscribers WHERE email = ?)
      OR EXISTS (SELECT 1 FROM signups WHERE email = ?)
      OR EXISTS (SELECT 1 FROM suppressions WHERE email = ?)
      OR EXISTS (SELECT 1 FROM journal WHERE email = ?) AS held`)
    .get(email, email, email, email) as { held: number };
  if (held.held) logEvent(db, { email, list: null, action, by, at, ...(detail ? { detail } : {}) });
  else db.prepare("DELETE FROM events WHERE email = ?").run(email);
}

export function findSignup(db: DatabaseSync, id: string): Signup | undefined {
  const row = db.prepare("SELECT * FROM signups WHERE id = ?").get(id) as
    | (Omit<Signup, "lists" | "fields"> & { lists: string; fields: string })
    | undefined;
  return row ? { ...row, lists: JSON.parse(row.lists), fields: JSON.parse(row.fields) } : undefined;
}

/**
 * Confirms a sign-up, in one transaction: the address becomes active on each of its lists,
 * with its fields; an erasure or an earlier "leave every list" is lifted (the reader asked
 * again, and proved the mailbox is theirs), the lists the reader had not asked for again
 * staying unsubscribed. Idempotent: false when it was confirmed already.
 */
export function confirmSignup(db: DatabaseSync, id: string, at = now()): boolean {
  return transaction(db, () => {
    const signup = findSignup(db, id);
    if (!signup || signup.confirmed) return false;
    const { email } = signup;
    const suppressed = db.prepare("SELECT reason FROM suppressions WHERE email = ?").get(email);
    if (suppressed) {
      // The suppression held for every list: it stays held, list by list, for the others
      // (each change a line of the trail, saying why).
      const { reason } = suppressed as { reason: string };
      const others = db
        .prepare("SELECT list FROM subscribers WHERE email = ? AND status = 'active'")
        .all(email) as { list: string }[];
      const keep = db.prepare(
        "UPDATE subscribers SET status = 'unsubscribed', updated = ? WHERE list = ? AND email = ?",
      );
      for (const { list } of others) {
        if (signup.lists.includes(list)) continue;
        keep.run(at, list, email);
        logEvent(db, {
          email,
          list,
          action: "unsubscribed",
          by: reason === "bounced" ? "bounce" : "link",
          at,
          detail: `${reason} (every list)`,
        });
      }
      db.prepare("DELETE FROM suppressions WHERE email = ?").run(email);
    }
    db.prepare("DELETE FROM forgotten WHERE hash = ?").run(forgetHash(db, email));
    const activate =
      db.prepare(`INSERT INTO subscribers (list, email, address, fields, added, updated, status, source, signup)
      VALUES (?, ?, ?, ?, ?, ?, 'active', 'form', ?)
      ON CONFLICT (list, email) DO UPDATE SET address = excluded.address,
        fields = CASE WHEN json_valid(subscribers.fields) AND json_type(subscribers.fields) = 'object'
          THEN json_patch(subscribers.fields, excluded.fields) ELSE excluded.fields END,
        updated = excluded.updated,
        source = CASE WHEN subscribers.status = 'active' THEN subscribers.source ELSE 'form' END,
        status = 'active', signup = excluded.signup`);
    for (const list of signup.lists) {
      activate.run(list, email, signup.address, JSON.stringify(signup.fields), at, at, id);
      logEvent(db, { email, list, action: "confirmed", by: "link", at });
    }
    db.prepare("UPDATE signups SET confirmed = ? WHERE id = ?").run(at, id);
    return true;
  });
}

/**
 * Sign-ups asked before `before` and never confirmed: their pending rows and their records
 * are deleted (a line in the trail says so). Returns how many.
 */
export function expireSignups(db: DatabaseSync, before: string, at = now()): number {
  return transaction(db, () => {
    const stale = db
      .prepare("SELECT id, email FROM signups WHERE confirmed IS NULL AND asked < ?")
      .all(before) as { id: string; email: string }[];
    for (const { id, email } of stale) forgetSignup(db, id, email, "expired", "expiry", at);
    return stale.length;
  });
}

/** The key of erasure hashes: drawn once per database, kept in it. */
function forgetKey(db: DatabaseSync): string {
  const found = db.prepare("SELECT value FROM settings WHERE name = 'forget-key'").get() as
    | { value: string }
    | undefined;
  if (found) return found.value;
  const key = randomBytes(32).toString("hex");
  db.prepare("INSERT OR IGNORE INTO settings (name, value) VALUES ('forget-key', ?)").run(key);
  return forgetKey(db);
}

/** The keyed hash an erased address is kept suppressed by. */
function forgetHash(db: DatabaseSync, email: string): string {
  return createHmac("sha256", forgetKey(db)).update(addressKey(email)).digest("hex");
}

/** A test of "was this address erased", for many addresses (the key read once). */
function forgottenTest(db: DatabaseSync): (email: string) => boolean {
  const any = db.prepare("SELECT 1 FROM forgotten LIMIT 1").get();
  if (!any) return () => false;
  const key = forgetKey(db);
  const find = db.prepare("SELECT 1 FROM forgotten WHERE hash = ?");
  return (email) => find.get(createHmac("sha256", key).update(email).digest("hex")) !== undefined;
}

/** True when `address` was erased on request (and so is never sent to). */
export function isForgotten(db: DatabaseSync, address: string): boolean {
  return forgottenTest(db)(addressKey(address));
}

/** Everything lettre holds about one person: subscriptions, consent records, trail. */
export interface PersonRecord {
  email: string;
  subscriptions: (Subscriber & { list: string; added: string; updated: string })[];
  suppression?: { reason: string; detail: string | null; at: string };
  signups: Signup[];
  events: AuditEvent[];
  /** Rows of the delivery journal (messages sent or tried) that name the address. */
  sends: number;
  /** Erased on request: nothing else is held, the address stays suppressed. */
  forgotten?: string;
}

export function personRecord(db: DatabaseSync, address: string): PersonRecord {
  const email = addressKey(address);
  const subscriptions = (
    db
      .prepare(`SELECT ${SUBSCRIBER_COLUMNS}, p.reason FROM subscribers s
        LEFT JOIN suppressions p ON p.email = s.email WHERE s.email = ? ORDER BY list`)
      .all(email) as unknown as (SubscriberRow & { reason: string | null })[]
  ).map((row) => ({
    ...subscriberOf(row, row.reason),
    list: row.list,
    added: row.added,
    updated: row.updated,
  }));
  const suppression = db
    .prepare("SELECT reason, detail, at FROM suppressions WHERE email = ?")
    .get(email) as PersonRecord["suppression"];
  const signups = (
    db.prepare("SELECT id FROM signups WHERE email = ? ORDER BY asked").all(email) as {
      id: string;
    }[]
  )
    .map(({ id }) => findSignup(db, id))
    .filter((s): s is Signup => s !== undefined);
  const events = db
    .prepare("SELECT email, list, action, by, at, detail FROM events WHERE email = ? ORDER BY id")
    .all(email) as unknown as AuditEvent[];
  const hash = db.prepare("SELECT at FROM forgotten WHERE hash = ?").get(forgetHash(db, email)) as
    | { at: string }
    | undefined;
  return {
    email,
    subscriptions,
    ...(suppression ? { suppression: { ...suppression } } : {}),
    signups,
    events: events.map((e) => ({ ...e })),
    sends: Number(
      (db.prepare("SELECT COUNT(*) AS n FROM journal WHERE email = ?").get(email) as { n: number })
        .n,
    ),
    ...(hash ? { forgotten: hash.at } : {}),
  };
}

/**
 * Erases what lettre holds about a person (GDPR art. 17), in one transaction: subscriptions,
 * sign-ups, trail, suppression; in the journal the address is replaced by its hash (the
 * counts of past sends stay right). Only the keyed hash is kept, so that the address is
 * never imported or sent to again; a line of the trail under the hash says when.
 * Returns how many rows held the address.
 */
export function forgetPerson(
  db: DatabaseSync,
  address: string,
  at = now(),
): { rows: number; complete: boolean } {
  const email = addressKey(address);
  const rows = transaction(db, () => {
    const hash = forgetHash(db, email);
    let rows = 0;
    for (const table of ["subscribers", "signups", "events", "suppressions", "soft_bounces"]) {
      rows += Number(db.prepare(`DELETE FROM ${table} WHERE email = ?`).run(email).changes);
    }
    rows += Number(
      db
        // The server's answer and the Message-ID (a hash of the address, unkeyed) go too.
        .prepare(
          "UPDATE OR REPLACE journal SET email = ?, response = NULL, provider_id = NULL, message_id = 'forgotten' WHERE email = ?",
        )
        .run(`forgotten:${hash}`, email).changes,
    );
    db.prepare("INSERT OR IGNORE INTO forgotten (hash, at) VALUES (?, ?)").run(hash, at);
    logEvent(db, { email: `forgotten:${hash}`, list: null, action: "forgotten", by: "editor", at });
    return rows;
  });
  return { rows, complete: clearFreedPages(db, at) };
}

/**
 * Pages of the log that held erased data are copied back and the log emptied (secure_delete
 * overwrote them in the database file). Pages freed before secure_delete was on (older
 * lettre) are cleared by one VACUUM, once per database. Another program reading the
 * database (a backup, lettre serve in a request) can keep old pages: then false, and the
 * editor is told to run the command again when it is done.
 */
export function clearFreedPages(db: DatabaseSync, at = now()): boolean {
  try {
    const vacuumed = db.prepare("SELECT 1 FROM settings WHERE name = 'vacuumed'").get();
    if (!vacuumed) {
      db.exec("VACUUM");
      db.prepare("INSERT OR IGNORE INTO settings (name, value) VALUES ('vacuumed', ?)").run(at);
    }
    const result = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as {
      busy: number;
      log: number;
      checkpointed: number;
    };
    return result.busy === 0 && result.log === result.checkpointed;
  } catch {
    return false;
  }
}

/** The audit trail of a list's addresses (and of their every-list lines), oldest first. */
export function listEvents(db: DatabaseSync, list: string): Map<string, AuditEvent[]> {
  const rows = db
    .prepare(`SELECT e.email, e.list, e.action, e.by, e.at, e.detail FROM events e
      WHERE (e.list = ? OR e.list IS NULL) AND e.email IN (SELECT email FROM subscribers WHERE list = ?)
      ORDER BY e.id`)
    .all(list, list) as unknown as AuditEvent[];
  const byEmail = new Map<string, AuditEvent[]>();
  for (const row of rows) {
    const events = byEmail.get(row.email) ?? [];
    events.push({ ...row });
    byEmail.set(row.email, events);
  }
  return byEmail;
}

// ---------------------------------------------------------------------------------------
// Sending: the journal, the runs in progress, the frozen editions.

/** A journal row's status (the schema's CHECK), in the order reports show them. */
export const STATUSES = ["sent", "failed", "deferred", "unknown", "sending", "pending"] as const;
export type Status = (typeof STATUSES)[number];

/** The lists the issue was sent to (has journal rows for). */
export function listsSentTo(db: DatabaseSync, slug: string): string[] {
  const lists = db
    .prepare("SELECT DISTINCT list FROM journal WHERE issue = ? ORDER BY list")
    .all(slug) as { list: string }[];
  return lists.map(({ list }) => list);
}

/** How many journal rows of the issue's send to the list have each status (0 for none). */
export function countsByStatus(db: DatabaseSync, slug: string, list: string) {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const row of db
    .prepare(
      "SELECT status, COUNT(*) AS n FROM journal WHERE issue = ? AND list = ? GROUP BY status",
    )
    .all(slug, list) as { status: Status; n: number }[]) {
    counts[row.status] = row.n;
  }
  return counts;
}

/**
 * The journal status of each address for the issue's send to the list, read one address at
 * a time (one statement, prepared once): undefined for an address with no row yet.
 */
export function journalStatusOf(
  db: DatabaseSync,
  slug: string,
  list: string,
): (email: string) => string | undefined {
  const statusOf = db.prepare(
    "SELECT status FROM journal WHERE issue = ? AND list = ? AND email = ?",
  );
  return (email) => (statusOf.get(slug, list, email) as { status: string } | undefined)?.status;
}

/** Addresses whose message's fate is unknown, in order. */
export function unknownRecipients(db: DatabaseSync, slug: string, list: string): string[] {
  const unknown = db
    .prepare(
      "SELECT email FROM journal WHERE issue = ? AND list = ? AND status = 'unknown' ORDER BY email",
    )
    .all(slug, list) as { email: string }[];
  return unknown.map((u) => u.email);
}

/** The process recorded as sending the issue to the list (maybe gone since), if any. */
export function runOf(db: DatabaseSync, slug: string, list: string): number | undefined {
  const run = db.prepare("SELECT pid FROM runs WHERE issue = ? AND list = ?").get(slug, list) as
    | { pid: number }
    | undefined;
  return run?.pid;
}

/** Records `pid` as the process sending the issue to the list, in place of any other. */
export function recordRun(db: DatabaseSync, slug: string, list: string, pid: number): void {
  db.prepare("INSERT OR REPLACE INTO runs (issue, list, pid, started) VALUES (?, ?, ?, ?)").run(
    slug,
    list,
    pid,
    now(),
  );
}

/** Forgets the run of `pid` (not a run another process recorded since). */
export function releaseRun(db: DatabaseSync, slug: string, list: string, pid: number): void {
  db.prepare("DELETE FROM runs WHERE issue = ? AND list = ? AND pid = ?").run(slug, list, pid);
}

/** The compiled issue a list receives, as frozen at the first send. */
export interface Edition {
  hash: string;
  subject: string;
  html: string;
  text: string;
  frozenAt: string;
}

/**
 * The version of `slug` frozen for `list`, once someone of the list may have received it
 * (a row sent, sending or unknown). Before that, nothing binds: a send that reached no one
 * (refused from its first message, say) takes the issue as it is at the next run.
 */
export function frozenEdition(db: DatabaseSync, slug: string, list: string): Edition | undefined {
  const row = db
    .prepare(`SELECT hash, subject, html, text, frozen_at AS frozenAt FROM editions e
      WHERE issue = ? AND list = ? AND EXISTS (SELECT 1 FROM journal j
        WHERE j.issue = e.issue AND j.list = e.list AND j.status IN ('sent', 'sending', 'unknown'))`)
    .get(slug, list) as Edition | undefined;
  return row ? { ...row } : undefined;
}

/** Records `edition` as the version of `slug` the list receives, in place of any other. */
export function freezeEdition(db: DatabaseSync, slug: string, list: string, edition: Edition) {
  db.prepare(
    "INSERT OR REPLACE INTO editions (issue, list, hash, subject, html, text, frozen_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  ).run(slug, list, edition.hash, edition.subject, edition.html, edition.text, edition.frozenAt);
}

/**
 * Rows a killed run left `sending` (their message may or may not have gone out) become
 * `unknown`. Returns how many.
 */
export function markInFlightUnknown(db: DatabaseSync, slug: string, list: string): number {
  return Number(
    db
      .prepare(
        "UPDATE journal SET status = 'unknown', updated = ? WHERE issue = ? AND list = ? AND status = 'sending'",
      )
      .run(now(), slug, list).changes,
  );
}

/** A `pending` row for each recipient that has no row yet (the others keep theirs). */
export function recordPending(
  db: DatabaseSync,
  slug: string,
  list: string,
  people: { email: string; messageId: string }[],
): void {
  const insert =
    db.prepare(`INSERT OR IGNORE INTO journal (issue, list, email, status, message_id, updated)
        VALUES (?, ?, ?, 'pending', ?, ?)`);
  for (const person of people) insert.run(slug, list, person.email, person.messageId, now());
}

/** The journal of one run (an issue to a list), message by message. */
export interface RunJournal {
  /**
   * Records the message as `sending` (one more attempt), before it is handed to the
   * transport; false, and nothing recorded, when the address was suppressed meanwhile (an
   * unsubscribe during a long run).
   */
  claimRecipient(email: string): boolean;
  /** How many times the message was taken (the attempt under way included). */
  attemptsOf(email: string): number;
  /** Accepted by the transport: `sent`, with its answer. */
  markSent(email: string, response: string): void;
  /** Refused for now (4xx, out of reach): `deferred`, retried by this run or the next. */
  markDeferred(email: string, code: number | null, response: string): void;
  /** Handed over without an answer: `unknown`, re-sent only on request. */
  markUnknown(email: string, code: number | null, response: string): void;
  /** Not sent, through no fault of the address (the whole send is wrong): `pending` again. */
  markPending(email: string, code: number | null, response: string): void;
  /** Refused for good (5xx to the address): `failed`, and the address suppressed as bounced. */
  markRefused(email: string, code: number | null, response: string): void;
}

/**
 * The provider's id of a message in the transport's answer: Amazon SES answers
 * `SES <id@region.amazonses.com>` (transports.ts), and its notifications name `id`.
 */
function providerId(response: string): string | null {
  return /^SES <([^@<>\s]+)@[^>]*amazonses\.com>/.exec(response)?.[1] ?? null;
}

/** The statements of one run's journal, prepared once for all its messages. */
export function runJournal(db: DatabaseSync, slug: string, list: string): RunJournal {
  const attemptsOf = db.prepare(
    "SELECT attempts FROM journal WHERE issue = ? AND list = ? AND email = ?",
  );
  // Taken only if the address is still not suppressed (an unsubscribe during a long run).
  const take =
    db.prepare(`UPDATE journal SET status = 'sending', attempts = attempts + 1, updated = ?
      WHERE issue = ? AND list = ? AND email = ? AND NOT EXISTS (SELECT 1 FROM suppressions WHERE email = ?)
        AND NOT EXISTS (SELECT 1 FROM subscribers WHERE list = ? AND email = ? AND status <> 'active')`);
  const mark = db.prepare(
    "UPDATE journal SET status = ?, code = ?, response = ?, updated = ? WHERE issue = ? AND list = ? AND email = ?",
  );
  const markSent = db.prepare(
    "UPDATE journal SET status = 'sent', code = ?, response = ?, provider_id = ?, updated = ? WHERE issue = ? AND list = ? AND email = ?",
  );
  const suppress = db.prepare(
    "INSERT OR REPLACE INTO suppressions (email, reason, detail, at) VALUES (?, 'bounced', ?, ?)",
  );
  const log = eventWriter(db);
  const markAs = (status: Status) => (email: string, code: number | null, response: string) => {
    mark.run(status, code, response, now(), slug, list, email);
  };
  return {
    claimRecipient: (email) =>
      Number(take.run(now(), slug, list, email, email, list, email).changes) !== 0,
    attemptsOf: (email) => {
      const { attempts } = attemptsOf.get(slug, list, email) as { attempts: number };
      return attempts;
    },
    markSent: (email, response) =>
      markSent.run(250, response, providerId(response), now(), slug, list, email),
    markDeferred: markAs("deferred"),
    markUnknown: markAs("unknown"),
    markPending: markAs("pending"),
    markRefused: (email, code, response) =>
      transaction(db, () => {
        mark.run("failed", code, response, now(), slug, list, email);
        suppress.run(email, `${code} ${response}`.slice(0, 500), now());
        log({ email, list: null, action: "bounced", by: "bounce", at: now(), detail: slug });
      }),
  };
}

// ---------------------------------------------------------------------------------------
// Returned mail: bounces, complaints and mailto unsubscribes (lettre inbox, SNS).

/** A returned message or a provider's notification, as the inbox acts on it. */
export interface Returned {
  kind: "bounce" | "complaint";
  permanent: boolean;
  recipients: string[];
  /** Message-IDs of the original message (lettre's own, `<…@…>`). */
  messageIds: string[];
  /** The provider's id of the original message (Amazon SES). */
  providerId?: string;
  /** Status and diagnostic, kept with the suppression and in the trail. */
  detail?: string;
}

/** What acting on a returned message did (kept in inbox_seen with its key). */
export type ReturnedOutcome =
  | "suppressed"
  | "counted"
  | "unsubscribed"
  | "noted"
  | "ignored"
  | "not-ours";

/** Outcomes that are recorded (and whose message is moved out of the inbox). */
export const ACTED: ReadonlySet<ReturnedOutcome> = new Set([
  "suppressed",
  "counted",
  "unsubscribed",
]);

/**
 * Runs `act` once per key, in one transaction: if the key was acted on already, nothing but
 * its recorded outcome (`already`); else `act`, and the key recorded with its outcome when it
 * acted (not when it left the message alone: `ignored`, `not-ours`). A process killed
 * anywhere before the commit leaves nothing; after it, a rerun finds the key.
 */
export function actOnce(
  db: DatabaseSync,
  key: string,
  kind: string,
  act: () => ReturnedOutcome,
  at = now(),
): { outcome: ReturnedOutcome; already: boolean } {
  return transaction(db, () => {
    const seen = db.prepare("SELECT outcome FROM inbox_seen WHERE key = ?").get(key) as
      | { outcome: ReturnedOutcome }
      | undefined;
    if (seen) return { outcome: seen.outcome, already: true };
    const outcome = act();
    if (ACTED.has(outcome)) {
      db.prepare("INSERT INTO inbox_seen (key, kind, outcome, at) VALUES (?, ?, ?, ?)").run(
        key,
        kind,
        outcome,
        at,
      );
    }
    return { outcome, already: false };
  });
}

type SentRow = { issue: string; list: string; email: string };

/**
 * The messages lettre sent that a returned message is about, at most one per address: the
 * proof that it is about lettre's mail at all.
 * - A provider's id (Amazon SES): the message with that id, nothing else.
 * - lettre's Message-IDs in the returned headers: those messages (one per address: lettre
 *   makes one Message-ID per recipient), for the addresses the report names; a complaint or
 *   a report naming no one: all of them (feedback loops redact the address). Message-IDs
 *   that are none of lettre's: someone else's mail, nothing.
 * - Neither: the last message sent to each address the report names (bounces of MTAs that
 *   return no headers).
 */
function sentRows(db: DatabaseSync, returned: Returned): SentRow[] {
  const named = new Set(returned.recipients.map((r) => addressKey(r)));
  if (returned.providerId !== undefined) {
    const rows = db
      .prepare("SELECT issue, list, email FROM journal WHERE provider_id = ?")
      .all(returned.providerId) as SentRow[];
    return rows.filter((row) => named.size === 0 || named.has(row.email));
  }
  if (returned.messageIds.length > 0) {
    const byId = db.prepare("SELECT issue, list, email FROM journal WHERE message_id = ?");
    const rows = returned.messageIds.flatMap((id) => byId.all(id) as SentRow[]);
    const theirs = rows.filter((row) => named.has(row.email));
    // A complaint names no one (the address redacted): the messages say who. A bounce that
    // names others than those messages' readers (a reply quoting a report…) is not believed.
    const anyone = returned.kind === "complaint" || named.size === 0;
    return unique(theirs.length > 0 ? theirs : anyone ? rows : []);
  }
  const last = db.prepare(
    "SELECT issue, list, email FROM journal WHERE email = ? AND status = 'sent' ORDER BY updated DESC LIMIT 1",
  );
  return [...named].flatMap((email) => (last.get(email) as SentRow | undefined) ?? []);
}

/** Whether a returned message is about a message lettre sent ({@link sentRows}). */
export function returnedIsOurs(db: DatabaseSync, returned: Returned): boolean {
  return sentRows(db, returned).length > 0;
}

/** One row per address (the first). */
function unique(rows: SentRow[]): SentRow[] {
  const seen = new Map<string, SentRow>();
  for (const row of rows) if (!seen.has(row.email)) seen.set(row.email, row);
  return [...seen.values()];
}

/** How strong a suppression's reason is (SQL): a later, weaker one never replaces it. */
const reasonRank = (column: string) =>
  `CASE ${column} WHEN 'complained' THEN 3 WHEN 'unsubscribed' THEN 2 ELSE 1 END`;

/**
 * Acts on a bounce or a complaint, inside {@link actOnce}: a permanent bounce or a complaint
 * suppresses each address of the messages it is about ({@link sentRows}; reason `bounced` or
 * `complained`) and marks their journal rows; a temporary bounce marks the row and counts
 * one send, and suppresses the address when `softLimit` distinct sends bounced. A returned
 * message about no message of lettre's (backscatter, someone else's mail) is left alone:
 * `not-ours`.
 */
export function recordReturned(
  db: DatabaseSync,
  returned: Returned,
  softLimit: number,
  at = now(),
): ReturnedOutcome {
  const rows = sentRows(db, returned);
  if (rows.length === 0) return "not-ours";
  const markRow = db.prepare(
    "UPDATE journal SET returned = ? WHERE issue = ? AND list = ? AND email = ?",
  );
  // A bounce never hides an unsubscribe or a complaint: the reason only gets stronger.
  const suppress =
    db.prepare(`INSERT INTO suppressions (email, reason, detail, at) VALUES (?, ?, ?, ?)
    ON CONFLICT (email) DO UPDATE SET reason = excluded.reason, detail = excluded.detail, at = excluded.at
    WHERE ${reasonRank("excluded.reason")} > ${reasonRank("suppressions.reason")}`);
  const log = eventWriter(db);
  const detail = returned.detail?.slice(0, 500);
  let outcome: ReturnedOutcome = "counted";
  for (const row of rows) {
    const email = row.email;
    const send = `${row.issue}/${row.list}`;
    if (returned.kind === "complaint" || returned.permanent) {
      const reason = returned.kind === "complaint" ? "complained" : "bounced";
      markRow.run(returned.kind === "complaint" ? "complaint" : "hard", row.issue, row.list, email);
      suppress.run(email, reason, detail ?? null, at);
      log({
        email,
        list: null,
        action: reason,
        by: returned.kind === "complaint" ? "complaint" : "bounce",
        at,
        detail: [send, detail].filter(Boolean).join(": "),
      });
      outcome = "suppressed";
      continue;
    }
    markRow.run("soft", row.issue, row.list, email);
    db.prepare(
      "INSERT OR IGNORE INTO soft_bounces (email, send, at, detail) VALUES (?, ?, ?, ?)",
    ).run(email, send, at, detail ?? null);
    const { n } = db
      .prepare("SELECT COUNT(*) AS n FROM soft_bounces WHERE email = ?")
      .get(email) as { n: number };
    log({ email, list: null, action: "soft-bounce", by: "bounce", at, detail: `${send} (${n})` });
    if (n >= softLimit && !db.prepare("SELECT 1 FROM suppressions WHERE email = ?").get(email)) {
      suppress.run(email, "bounced", `${n} temporary bounces: ${detail ?? ""}`.trim(), at);
      log({
        email,
        list: null,
        action: "bounced",
        by: "bounce",
        at,
        detail: `${n} temporary bounces`,
      });
      outcome = "suppressed";
    }
  }
  return outcome;
}

/** How many of an issue's messages to a list came back, by what (lettre send status). */
export function returnedCounts(
  db: DatabaseSync,
  slug: string,
  list: string,
): { hard: number; soft: number; complaint: number } {
  const counts = { hard: 0, soft: 0, complaint: 0 };
  const rows = db
    .prepare(
      "SELECT returned, COUNT(*) AS n FROM journal WHERE issue = ? AND list = ? AND returned IS NOT NULL GROUP BY returned",
    )
    .all(slug, list) as { returned: string; n: number }[];
  for (const row of rows) {
    if (row.returned in counts) counts[row.returned as keyof typeof counts] = Number(row.n);
  }
  return counts;
}

/** A setting of the inbox (the last UID seen in a mailbox…), or undefined. */
export function readSetting(db: DatabaseSync, name: string): string | undefined {
  const row = db.prepare("SELECT value FROM settings WHERE name = ?").get(name) as
    | { value: string }
    | undefined;
  return row?.value;
}

export function writeSetting(db: DatabaseSync, name: string, value: string): void {
  db.prepare(
    "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
  ).run(name, value);
}
