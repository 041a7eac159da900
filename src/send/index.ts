/**
 * Stage "send": one issue to one list, through the journal. Before a message is handed to
 * the transport it is recorded as `sending`; after, as `sent`, `deferred` (4xx, retried with
 * capped exponential backoff) or `failed` (5xx: the address is suppressed, never retried).
 * A run killed at any moment leaves at most its in-flight messages as `sending`: the next
 * run marks them `unknown` and re-sends them only when asked (`--resend-unknown`).
 * No silent loss, no silent duplicate.
 */
import type { DatabaseSync } from "node:sqlite";
import type { Config } from "../config/index.ts";
import { transaction } from "./db.ts";
import { buildMessage, type Compiled, messageId } from "./message.ts";
import type { Transport } from "./transports.ts";

export const STATUSES = ["sent", "failed", "deferred", "unknown", "sending", "pending"] as const;
export type Status = (typeof STATUSES)[number];

export interface Retry {
  /** First wait after a 4xx, doubled at each attempt up to `capMs`. */
  baseMs: number;
  capMs: number;
  maxAttempts: number;
}

export const DEFAULT_RETRY: Retry = { baseMs: 2_000, capMs: 60_000, maxAttempts: 6 };

export interface SendOptions {
  compiled: Compiled;
  list: string;
  config: Config;
  transport: Transport;
  secret: string;
  resendUnknown?: boolean;
  retry?: Retry;
  signal?: AbortSignal;
  onProgress?: (progress: { done: number; total: number; status: Status; email: string }) => void;
}

export class SendError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const now = () => new Date().toISOString();

/** Who would receive the issue: subscribed, not suppressed. */
export function recipients(db: DatabaseSync, list: string) {
  return db
    .prepare(`
      SELECT s.email, s.address, s.fields FROM subscribers s
      WHERE s.list = ? AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.email = s.email)
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

/** Counts by status for each list the issue was sent to, plus who is left to send to. */
export function sendStatus(db: DatabaseSync, slug: string) {
  const lists = db
    .prepare("SELECT DISTINCT list FROM journal WHERE issue = ? ORDER BY list")
    .all(slug) as { list: string }[];
  return lists.map(({ list }) => {
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
    for (const row of db
      .prepare(
        "SELECT status, COUNT(*) AS n FROM journal WHERE issue = ? AND list = ? GROUP BY status",
      )
      .all(slug, list) as { status: Status; n: number }[]) {
      counts[row.status] = row.n;
    }
    const unrecorded =
      recipients(db, list).length -
      Number(
        (
          db
            .prepare(`SELECT COUNT(*) AS n FROM journal j WHERE j.issue = ? AND j.list = ?
          AND EXISTS (SELECT 1 FROM subscribers s WHERE s.list = j.list AND s.email = j.email)
          AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.email = j.email)`)
            .get(slug, list) as { n: number }
        ).n,
      );
    return {
      list,
      ...counts,
      remaining: counts.pending + counts.deferred + Math.max(0, unrecorded),
    };
  });
}

/** Takes the send of `slug` to `list`: refuses a second run at the same time. */
function claim(db: DatabaseSync, slug: string, list: string): () => void {
  transaction(db, () => {
    const run = db.prepare("SELECT pid FROM runs WHERE issue = ? AND list = ?").get(slug, list) as
      | { pid: number }
      | undefined;
    if (run && run.pid !== process.pid && alive(run.pid)) {
      throw new SendError("ERUNNING", `pid ${run.pid}`);
    }
    db.prepare("INSERT OR REPLACE INTO runs (issue, list, pid, started) VALUES (?, ?, ?, ?)").run(
      slug,
      list,
      process.pid,
      now(),
    );
  });
  return () =>
    db
      .prepare("DELETE FROM runs WHERE issue = ? AND list = ? AND pid = ?")
      .run(slug, list, process.pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function sendIssue(db: DatabaseSync, options: SendOptions) {
  const { compiled, list, config, transport } = options;
  const slug = compiled.slug;
  const retry = options.retry ?? DEFAULT_RETRY;
  const release = claim(db, slug, list);
  try {
    const people = recipients(db, list);
    const domain = config.sender.address.split("@")[1] ?? "localhost";
    let unknown = 0;
    transaction(db, () => {
      // A previous run was killed with these in flight: their fate is unknown.
      unknown = Number(
        db
          .prepare(
            "UPDATE journal SET status = 'unknown', updated = ? WHERE issue = ? AND list = ? AND status = 'sending'",
          )
          .run(now(), slug, list).changes,
      );
      const insert =
        db.prepare(`INSERT OR IGNORE INTO journal (issue, list, email, status, message_id, updated)
        VALUES (?, ?, ?, 'pending', ?, ?)`);
      for (const person of people)
        insert.run(slug, list, person.email, messageId(slug, list, person.email, domain), now());
    });
    const wanted = new Set(["pending", "deferred", ...(options.resendUnknown ? ["unknown"] : [])]);
    const statusOf = db.prepare(
      "SELECT status, attempts FROM journal WHERE issue = ? AND list = ? AND email = ?",
    );
    const queue = people.filter((p) =>
      wanted.has((statusOf.get(slug, list, p.email) as { status: string }).status),
    );
    const total = queue.length;
    let done = 0;

    const mark = db.prepare(
      "UPDATE journal SET status = ?, attempts = attempts + ?, code = ?, response = ?, updated = ? WHERE issue = ? AND list = ? AND email = ?",
    );
    const suppress = db.prepare(
      "INSERT OR REPLACE INTO suppressions (email, reason, detail, at) VALUES (?, 'bounced', ?, ?)",
    );
    const waiting: { person: (typeof people)[number]; at: number }[] = [];

    const deliver = async (person: (typeof people)[number]): Promise<void> => {
      const message = buildMessage(compiled, person, list, config, options.secret);
      mark.run("sending", 1, null, null, now(), slug, list, person.email);
      let status: Status;
      try {
        const { response } = await transport.send(message);
        status = "sent";
        mark.run(status, 0, 250, response, now(), slug, list, person.email);
      } catch (error) {
        const e = error as { responseCode?: number; response?: string; message?: string };
        const code = e.responseCode ?? null;
        const response = e.response ?? e.message ?? String(error);
        const { attempts } = statusOf.get(slug, list, person.email) as { attempts: number };
        if (code !== null && code >= 500) {
          status = "failed";
          transaction(db, () => {
            mark.run(status, 0, code, response, now(), slug, list, person.email);
            suppress.run(person.email, `${code} ${response}`.slice(0, 500), now());
          });
        } else if (attempts < retry.maxAttempts && !options.signal?.aborted) {
          status = "deferred";
          mark.run(status, 0, code, response, now(), slug, list, person.email);
          const wait = Math.min(retry.capMs, retry.baseMs * 2 ** (attempts - 1));
          waiting.push({ person, at: Date.now() + wait });
          return;
        } else {
          status = "deferred";
          mark.run(status, 0, code, response, now(), slug, list, person.email);
        }
      }
      done++;
      options.onProgress?.({ done, total, status, email: person.email });
    };

    const next = async (): Promise<(typeof people)[number] | undefined> => {
      for (;;) {
        if (options.signal?.aborted) return undefined;
        const person = queue.shift();
        if (person) return person;
        if (waiting.length === 0) return undefined;
        waiting.sort((a, b) => a.at - b.at);
        const first = waiting[0];
        if (first && first.at <= Date.now()) {
          waiting.shift();
          return first.person;
        }
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(250, (first?.at ?? 0) - Date.now())),
        );
      }
    };
    const worker = async () => {
      for (let person = await next(); person; person = await next()) await deliver(person);
    };
    await Promise.all(Array.from({ length: Math.max(1, transport.concurrency) }, worker));
    return { unknownFromCrash: unknown, status: sendStatus(db, slug).find((s) => s.list === list) };
  } finally {
    release();
  }
}
