/**
 * The embedded database (node:sqlite, one file, WAL): lists and their subscribers,
 * unsubscribes and bounces (suppressions), and the delivery journal.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

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
CREATE TABLE IF NOT EXISTS suppressions (
  email TEXT PRIMARY KEY,
  reason TEXT NOT NULL CHECK (reason IN ('unsubscribed', 'bounced')),
  detail TEXT,
  at TEXT NOT NULL
) STRICT;
`;

export function openDatabase(root: string): DatabaseSync {
  const file = path.join(root, DATABASE_FILE);
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
  db.exec(SCHEMA);
  return db;
}

/** Runs `work` in one transaction: all of it is recorded, or none. */
export function transaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}
