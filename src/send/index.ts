/**
 * Stage "send": one issue to one list, through the journal. Before a message is handed to
 * the transport it is recorded as `sending`; after, as `sent`, `deferred` (4xx, retried with
 * capped exponential backoff) or `failed` (5xx: the address is suppressed, never retried).
 * A run killed at any moment leaves at most its in-flight messages as `sending`: the next
 * run marks them `unknown` and re-sends them only when asked (`--resend-unknown`).
 * No silent loss, no silent duplicate.
 *
 * Every recipient of a send gets the same version: the compiled issue is frozen in the
 * database at the first send to a list, and a resume sends the frozen one. A database file
 * deleted or replaced under a running send stops it at once (what it recorded is saved).
 */
import { createHash } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import type { Config } from "../config/index.ts";
import { buildMessage, type Compiled, messageId } from "./message.ts";
import {
  countsByStatus,
  databaseGone,
  type Edition,
  freezeEdition,
  frozenEdition,
  journalStatusOf,
  listsSentTo,
  markInFlightUnknown,
  recipients,
  recordPending,
  recordRun,
  releaseRun,
  rescueDatabase,
  returnedCounts,
  runJournal,
  runOf,
  type Status,
  transaction,
} from "./store.ts";
import { TLS_CERTIFICATE, TLS_REQUIRED, type Transport } from "./transports.ts";

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

/**
 * The database file was deleted or replaced during the send: the send stopped, and what it
 * sent could not be recorded there. `rescued` is the copy of the journal lettre made (the
 * path to put back as .lettre/lettre.db), or `rescueError` why it could not.
 */
export class DatabaseLostError extends SendError {
  /** Addresses this run sent to (sent, or outcome unknown). */
  readonly sent: string[];
  readonly rescued: string | undefined;
  readonly rescueError: string | undefined;
  constructor(sent: string[], rescued: string | undefined, rescueError: string | undefined) {
    super("EDBLOST", rescued ?? rescueError ?? "");
    this.sent = sent;
    this.rescued = rescued;
    this.rescueError = rescueError;
  }
}

const now = () => new Date().toISOString();

/** Counts by status for each list the issue was sent to, plus who is left to send to. */
export function sendStatus(db: DatabaseSync, slug: string) {
  return listsSentTo(db, slug).map((list) => {
    const counts = countsByStatus(db, slug, list);
    const pid = runOf(db, slug, list);
    return {
      list,
      ...counts,
      // Current recipients still to send to: not people who left or were suppressed since.
      remaining: toSend(db, slug, list).length,
      // The process sending now, if any: its `sending` rows are in flight; without one,
      // `sending` rows are what a killed run left (the next run counts them unknown).
      running: pid !== undefined && alive(pid) ? pid : null,
      // When the version this list receives was frozen (null: nobody has it yet).
      frozenAt: frozenEdition(db, slug, list)?.frozenAt ?? null,
      // What came back (lettre inbox, SES): hard and soft bounces, complaints.
      returned: returnedCounts(db, slug, list),
    };
  });
}

/** SHA-256 of what a reader receives (before each recipient's fields are filled in). */
export function editionHash(compiled: Pick<Compiled, "subject" | "html" | "text">): string {
  return createHash("sha256")
    .update(JSON.stringify([compiled.subject, compiled.html, compiled.text]))
    .digest("hex");
}

/** How the issue as built now differs from the frozen version, or undefined if it does not. */
export function editionChange(
  frozen: Edition,
  current: Pick<Compiled, "subject" | "html" | "text">,
): "subject" | "content" | "both" | undefined {
  if (frozen.hash === editionHash(current)) return undefined;
  const subject = frozen.subject !== current.subject;
  const content = frozen.html !== current.html || frozen.text !== current.text;
  return subject && content ? "both" : subject ? "subject" : "content";
}

/** Freezes `compiled` for `list` unless a version already binds; returns the one to send. */
function freeze(db: DatabaseSync, compiled: Compiled, list: string): Edition {
  const frozen = frozenEdition(db, compiled.slug, list);
  if (frozen) return frozen;
  const edition = {
    hash: editionHash(compiled),
    subject: compiled.subject,
    html: compiled.html,
    text: compiled.text,
    frozenAt: now(),
  };
  freezeEdition(db, compiled.slug, list, edition);
  return edition;
}

/** Takes the send of `slug` to `list`: refuses a second run at the same time. */
function claim(db: DatabaseSync, slug: string, list: string): () => void {
  transaction(db, () => {
    const pid = runOf(db, slug, list);
    if (pid !== undefined && pid !== process.pid && alive(pid)) {
      throw new SendError("ERUNNING", `pid ${pid}`);
    }
    recordRun(db, slug, list, process.pid);
  });
  return () => releaseRun(db, slug, list, process.pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's process.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** What an error from the transport means for the journal. */
export type Outcome = "temporary" | "recipient" | "ambiguous" | "fatal";

/**
 * - 4xx, or a connection that failed before the message was handed over: temporary, retry;
 * - 5xx to RCPT TO (or SES rejecting the message): this address is refused, suppress it;
 * - no answer once the message was handed over (DATA, or the connection closing in the
 *   middle of a conversation): the server may have it: unknown, re-sent only on request;
 * - 5xx anywhere else (login, sender, content): the whole send is wrong, stop it; so is a
 *   server that would not encrypt the connection a password must go through.
 */
export function classify(error: {
  responseCode?: number;
  command?: string;
  code?: string;
  message?: string;
}): Outcome {
  const code = error.responseCode;
  const command = (error.command ?? "").toUpperCase();
  if (error.code === TLS_REQUIRED || error.code === TLS_CERTIFICATE) return "fatal";
  if (code !== undefined && code >= 400 && code < 500) return "temporary";
  if (code !== undefined && code >= 500) {
    return command.startsWith("RCPT") || error.code === "EREJECTED" ? "recipient" : "fatal";
  }
  if (error.code === "EAUTH") return "fatal";
  // nodemailer says "Connection closed unexpectedly" (command CONN) even when the whole
  // message went out before the server vanished: the server may have it.
  const midSession =
    error.code === "ECONNECTION" && /closed unexpectedly/i.test(error.message ?? "");
  return command === "DATA" ||
    command.startsWith("BDAT") ||
    error.code === "EAMBIGUOUS" ||
    midSession
    ? "ambiguous"
    : "temporary";
}

/** Why messages of a run were deferred or refused: one line per distinct reason. */
export interface Reason {
  status: "deferred" | "failed";
  /** The server's answer or the network error, addresses taken out, at most 200 characters. */
  reason: string;
  count: number;
  /** The server could not be reached at all (refused, no such host, timeout…). */
  connection: boolean;
}

/** nodemailer's and Node's codes for a server that could not be reached, or not for long. */
const UNREACHABLE = new Set([
  "ECONNECTION",
  "ESOCKET",
  "ETIMEDOUT",
  "EDNS",
  "ENOTSENT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
]);

/**
 * What a transport error says, for the editor: the server's answer (or the network error)
 * with the recipient's address taken out, so that one cause given for many addresses counts
 * as one reason.
 */
export function describeFailure(error: {
  responseCode?: number;
  response?: string;
  message?: string;
  code?: string;
}): { reason: string; connection: boolean } {
  const text = (error.response ?? error.message ?? String(error)).replace(/\s+/g, " ").trim();
  const reason = text
    .replace(/<[^<>\s]*@[^<>\s]*>|[^\s<>"'():;,]+@[^\s<>"'():;,]+/g, "<…>")
    .slice(0, 200);
  const connection = error.responseCode === undefined && UNREACHABLE.has(error.code ?? "");
  return { reason, connection };
}

/** Groups this run's problems by reason, the most frequent first. */
function groupReasons(
  problems: Map<string, { status: Reason["status"]; reason: string; connection: boolean }>,
): Reason[] {
  const groups = new Map<string, Reason>();
  for (const problem of problems.values()) {
    const key = `${problem.status}\n${problem.reason}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { ...problem, count: 1 });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

/** People of `list` the next run would send `slug` to (no journal row yet, pending, deferred). */
export function toSend(db: DatabaseSync, slug: string, list: string, resendUnknown = false) {
  const wanted = new Set(["pending", "deferred", ...(resendUnknown ? ["unknown"] : [])]);
  const statusOf = journalStatusOf(db, slug, list);
  return recipients(db, list).filter((person) => {
    const status = statusOf(person.email);
    return status === undefined || wanted.has(status);
  });
}

export async function sendIssue(db: DatabaseSync, options: SendOptions) {
  const { list, config, transport } = options;
  const slug = options.compiled.slug;
  const retry = options.retry ?? DEFAULT_RETRY;
  const release = claim(db, slug, list);
  const run = { sent: 0, failed: 0, deferred: 0, unknown: 0, skipped: 0 };
  let fatal: SendError | undefined;
  // Set when the database file is no longer at its path: stop taking messages at once.
  let lost = databaseGone(db);
  // Addresses this run sent to (or may have): the last resort if the journal is lost.
  const reached: string[] = [];
  // Why this run's deferred and failed messages were (the last answer for each address).
  const problems = new Map<
    string,
    { status: Reason["status"]; reason: string; connection: boolean }
  >();
  try {
    const domain = config.sender.address.split("@")[1] ?? "localhost";
    let unknownFromCrash = 0;
    let edition: Edition | undefined;
    const queue = transaction(db, () => {
      // A previous run was killed with these in flight: their fate is unknown.
      unknownFromCrash = markInFlightUnknown(db, slug, list);
      // The version the first recipients got is the one every other recipient gets.
      edition = freeze(db, options.compiled, list);
      const people = toSend(db, slug, list, options.resendUnknown);
      recordPending(
        db,
        slug,
        list,
        people.map((person) => ({
          email: person.email,
          messageId: messageId(slug, list, person.email, domain),
        })),
      );
      return people;
    });
    if (!edition) throw new Error("no edition frozen");
    const frozen = edition;
    const compiled: Compiled = {
      slug,
      subject: frozen.subject,
      html: frozen.html,
      text: frozen.text,
    };
    type Person = (typeof queue)[number];
    const total = queue.length;
    let done = 0;

    const journal = runJournal(db, slug, list);
    const waiting: { person: Person; at: number }[] = [];
    const report = (status: Status, email: string) => {
      done++;
      options.onProgress?.({ done, total, status, email });
    };

    const deliver = async (person: Person): Promise<void> => {
      // Built before the row is taken: a message that cannot be built leaves it pending.
      const message = buildMessage(compiled, person, list, config, options.secret);
      // Recorded `sending` before the transport has it, on its own: a kill leaves it so.
      if (!journal.claimRecipient(person.email)) {
        run.skipped++;
        problems.delete(person.email);
        return report("pending", person.email);
      }
      let response: string;
      try {
        response = (await transport.send(message)).response;
      } catch (error) {
        const e = error as {
          responseCode?: number;
          response?: string;
          message?: string;
          code?: string;
        };
        const code = e.responseCode ?? null;
        const text = e.response ?? e.message ?? String(error);
        const outcome = classify(error as Parameters<typeof classify>[0]);
        const attempts = journal.attemptsOf(person.email);
        const why = describeFailure(e);
        if (outcome === "recipient" || outcome === "temporary") {
          problems.set(person.email, {
            status: outcome === "recipient" ? "failed" : "deferred",
            ...why,
          });
        } else {
          problems.delete(person.email);
        }
        if (outcome === "fatal") {
          // Not this address's fault, and not accepted: it stays to send once fixed.
          journal.markPending(person.email, code, text);
          // "550 Sender refused", not "550 550 Sender refused".
          const detail = code !== null && !text.startsWith(String(code)) ? `${code} ${text}` : text;
          const tls = e.code === TLS_REQUIRED || e.code === TLS_CERTIFICATE;
          fatal ??= new SendError(tls ? (e.code as string) : "ETRANSPORT", detail);
          return;
        }
        if (outcome === "recipient") {
          journal.markRefused(person.email, code, text);
          run.failed++;
          return report("failed", person.email);
        }
        if (outcome === "ambiguous") {
          reached.push(person.email);
          journal.markUnknown(person.email, code, text);
          run.unknown++;
          return report("unknown", person.email);
        }
        journal.markDeferred(person.email, code, text);
        if (attempts < retry.maxAttempts && !options.signal?.aborted) {
          const wait = Math.min(retry.capMs, retry.baseMs * 2 ** (attempts - 1));
          waiting.push({ person, at: Date.now() + wait });
          return;
        }
        run.deferred++;
        return report("deferred", person.email);
      }
      // Outside the try: a failure to record is not a failure to send (no retry, no double).
      problems.delete(person.email);
      reached.push(person.email);
      journal.markSent(person.email, response);
      run.sent++;
      report("sent", person.email);
    };

    const next = async (): Promise<Person | undefined> => {
      for (;;) {
        if (options.signal?.aborted || fatal || lost) return undefined;
        // Checked before each message: nothing more goes out once the journal cannot keep it.
        if (databaseGone(db)) {
          lost = true;
          return undefined;
        }
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
    // Every worker finishes its message before the run ends, even if another one failed.
    const workers = await Promise.allSettled(
      Array.from({ length: Math.max(1, transport.concurrency) }, worker),
    );
    run.deferred += waiting.length;
    if (lost || databaseGone(db)) {
      // What this run recorded went into the unlinked file: save it while it is readable.
      release();
      let rescued: string | undefined;
      let rescueError: string | undefined;
      try {
        rescued = rescueDatabase(db);
      } catch (error) {
        rescueError = (error as Error).message;
      }
      throw new DatabaseLostError(reached, rescued, rescueError);
    }
    const crashed = workers.find((w) => w.status === "rejected");
    if (crashed) throw (crashed as PromiseRejectedResult).reason;
    if (fatal) throw fatal;
    return {
      unknownFromCrash,
      run,
      reasons: groupReasons(problems),
      status: sendStatus(db, slug).find((st) => st.list === list),
      edition: { frozenAt: frozen.frozenAt, change: editionChange(frozen, options.compiled) },
    };
  } finally {
    release();
  }
}
