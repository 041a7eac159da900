/**
 * One pass over the mailbox returned mail comes back to (`lettre inbox`, and every few
 * minutes under `lettre serve --inbox`), over IMAP with imapflow:
 *
 * 1. the messages that arrived since the last pass (UIDs above the last one seen, kept in the
 *    database with the mailbox's UIDVALIDITY) are read without being marked read
 *    (BODY.PEEK), one at a time, at most MAX_MESSAGE_BYTES each;
 * 2. each is classified and acted on (act.ts): the change and the message's key are committed
 *    together, so a message is acted on once;
 * 3. a message acted on is moved to the processed folder; anything else (other mail,
 *    auto-replies, bounces of addresses lettre never had) is left as it was: not moved, not
 *    flagged, never deleted;
 * 4. the last UID seen is recorded after the move.
 *
 * Killed between 2 and 3, the next pass reads the message again, finds its key, does not act
 * again, and moves it.
 */
import type { DatabaseSync } from "node:sqlite";
import { ImapFlow } from "imapflow";
import type { Config } from "../config/index.ts";
import { LettreError } from "../core/diagnostic.ts";
import { t } from "../core/i18n.ts";
import {
  ACTED,
  databaseError,
  type ReturnedOutcome,
  readSetting,
  writeSetting,
} from "../send/store.ts";
// Hosts a plain (unencrypted) connection may go to: this machine only, as for SMTP.
import { LOCAL_HOSTS } from "../send/transport-url.ts";
import { type ActSettings, actOnReport, messageKey } from "./act.ts";
// Larger messages are left in the mailbox unread: no bounce is that large.
import { classifyMessage, MAX_MESSAGE_BYTES } from "./classify.ts";
import type { Report } from "./report.ts";

export interface PassSummary {
  /** Messages read in this pass. */
  read: number;
  /** Moved to the processed folder (acted on, in this pass or one that was killed). */
  moved: number;
  /** What was done, by outcome (`already`: acted on by an earlier pass, only moved now). */
  outcomes: Partial<Record<ReturnedOutcome | "already" | "too-large" | "unreadable", number>>;
}

export interface PassOptions {
  db: DatabaseSync;
  config: Config;
  env: NodeJS.ProcessEnv;
  /** LETTRE_UNSUBSCRIBE_SECRET, for mailto unsubscribes; without it they are left alone. */
  secret: string | undefined;
}

type Imap = NonNullable<Config["inbox"]["imap"]>;

function problem(rule: string, message: string, cause?: unknown): LettreError {
  return new LettreError(
    [{ file: "lettre.config.yaml", rule, severity: "error", message }],
    cause === undefined ? undefined : { cause },
  );
}

/** What a pass needs before it connects (for `lettre serve --inbox` to say at start). */
export function checkInbox(config: Config, env: NodeJS.ProcessEnv): void {
  const imap = config.inbox.imap;
  if (!imap) throw problem("inbox", t("inbox-not-configured"));
  clientOptions(imap, env);
}

/** imapflow's options for the configured mailbox; a plain connection only on this machine. */
function clientOptions(imap: Imap, env: NodeJS.ProcessEnv) {
  const pass = env.LETTRE_IMAP_PASSWORD;
  if (!pass) throw problem("inbox", t("inbox-password"));
  if (imap.processed === imap.mailbox) {
    throw problem("inbox", t("inbox-same-folder", { folder: imap.mailbox }));
  }
  const local = LOCAL_HOSTS.includes(imap.host);
  if (imap.security === "none" && !local) {
    throw problem("inbox", t("inbox-plaintext", { host: imap.host }));
  }
  return {
    host: imap.host,
    port: imap.port ?? (imap.security === "tls" ? 993 : 143),
    secure: imap.security === "tls",
    // starttls: required (never fall back to plain text); none: never tried.
    doSTARTTLS: imap.security === "starttls" ? true : imap.security === "none" ? false : undefined,
    auth: { user: imap.user, pass },
    logger: false as const,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  };
}

/** Where the pass stopped last time, for one mailbox. */
interface Mark {
  uidValidity: string;
  lastUid: number;
}

function markName(imap: Imap): string {
  return `inbox:${imap.user}@${imap.host}/${imap.mailbox}`;
}

function readMark(db: DatabaseSync, name: string): Mark | undefined {
  try {
    const value = JSON.parse(readSetting(db, name) ?? "null") as Mark | null;
    return value && typeof value.lastUid === "number" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** One pass over the configured mailbox. Throws a LettreError the editor can act on. */
export async function inboxPass(options: PassOptions): Promise<PassSummary> {
  const { db, config, env } = options;
  const imap = config.inbox.imap;
  if (!imap) throw problem("inbox", t("inbox-not-configured"));
  const settings: ActSettings = { softBounces: config.inbox.softBounces, secret: options.secret };
  const client = new ImapFlow(clientOptions(imap, env));
  // imapflow reports a dropped connection as an event too: the pass's own call fails with it.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    throw problem("inbox", t("inbox-connect", { host: imap.host, detail: reasonOf(error) }), error);
  }
  const summary: PassSummary = { read: 0, moved: 0, outcomes: {} };
  try {
    const own = [config.sender.address, config.sending.unsubscribeMailto ?? ""].filter(Boolean);
    await readMailbox(client, imap, db, settings, summary, own);
  } catch (error) {
    if (error instanceof LettreError || databaseError(error)) throw error;
    // The server failed mid-pass: what was done is committed and said; the rest waits.
    const detail = reasonOf(error);
    const done = describePass(summary, imap.processed);
    throw problem("inbox", t("inbox-failed", { host: imap.host, detail, done }), error);
  } finally {
    await client.logout().catch(() => client.close());
  }
  return summary;
}

/** A message read: its bytes, or gone (moved by another pass meanwhile), or too large. */
type Fetched = { raw: Buffer } | { gone: true } | { tooLarge: true };

async function fetchMessage(client: ImapFlow, uid: number): Promise<Fetched> {
  const meta = await client.fetchOne(String(uid), { size: true }, { uid: true });
  if (!meta) return { gone: true };
  if ((meta.size ?? 0) > MAX_MESSAGE_BYTES) return { tooLarge: true };
  const full = await client.fetchOne(String(uid), { source: true }, { uid: true });
  if (!full) return { gone: true };
  if (!full.source) throw new Error(`the server sent no content for message ${uid}`);
  return { raw: full.source };
}

async function readMailbox(
  client: ImapFlow,
  imap: Imap,
  db: DatabaseSync,
  settings: ActSettings,
  summary: PassSummary,
  own: readonly string[],
): Promise<void> {
  const count = (outcome: keyof PassSummary["outcomes"]) => {
    summary.outcomes[outcome] = (summary.outcomes[outcome] ?? 0) + 1;
  };
  const lock = await client.getMailboxLock(imap.mailbox).catch((error: unknown) => {
    throw problem(
      "inbox",
      t("inbox-mailbox", { mailbox: imap.mailbox, detail: reasonOf(error) }),
      error,
    );
  });
  try {
    const mailbox = client.mailbox;
    const uidValidity = mailbox ? String(mailbox.uidValidity) : "";
    const name = markName(imap);
    const mark = readMark(db, name);
    // A new UIDVALIDITY: the server numbered the messages again, start from the first.
    let lastUid = mark?.uidValidity === uidValidity ? mark.lastUid : 0;
    const found = await client.search({ uid: `${lastUid + 1}:*` }, { uid: true });
    if (!found) throw new Error(`the server refused to search ${imap.mailbox}`);
    const uids = found.filter((uid) => uid > lastUid).sort((a, b) => a - b);
    // Without MOVE or UIDPLUS, imapflow's move ends with an EXPUNGE of every message marked
    // deleted, the editor's too: then messages are copied to the folder, never removed.
    const movable = client.capabilities.has("MOVE") || client.capabilities.has("UIDPLUS");
    let processedReady = false;
    // Once a message is left to be read again (a mailto unsubscribe while the secret is
    // missing), the mark stays before it: the next pass reads it again.
    let held = false;
    for (const uid of uids) {
      const fetched = await fetchMessage(client, uid);
      let move = false;
      if ("tooLarge" in fetched) count("too-large");
      else if ("raw" in fetched) {
        summary.read++;
        let report: Report | undefined;
        try {
          report = await classifyMessage(fetched.raw, own);
        } catch {
          // What the parser cannot read is left as it is, never a reason to stop the pass.
          count("unreadable");
        }
        if (report) {
          const { outcome, already } = actOnReport(db, messageKey(fetched.raw), report, settings);
          count(already ? "already" : outcome);
          move = already || ACTED.has(outcome);
          if (report.kind === "unsubscribe" && report.token && !settings.secret) held = true;
        }
      }
      if (move) {
        if (!processedReady) {
          await ensureFolder(client, imap.processed);
          processedReady = true;
        }
        const moved = movable
          ? await client.messageMove(String(uid), imap.processed, { uid: true })
          : await client.messageCopy(String(uid), imap.processed, { uid: true });
        // A refusal (quota, rights): stop before the mark passes it; the next pass moves it.
        if (moved === false) {
          throw new Error(`the server refused to move message ${uid} to ${imap.processed}`);
        }
        if (moved.uidMap?.has(uid) ?? true) summary.moved++;
      }
      if (!held) {
        lastUid = uid;
        writeSetting(db, name, JSON.stringify({ uidValidity, lastUid } satisfies Mark));
      }
    }
  } finally {
    lock.release();
  }
}

/** What a pass did, in one line for the editor. */
export function describePass(summary: PassSummary, folder: string): string {
  const o = summary.outcomes;
  return t("inbox-summary", {
    read: summary.read,
    moved: summary.moved,
    folder,
    suppressed: o.suppressed ?? 0,
    counted: o.counted ?? 0,
    unsubscribed: o.unsubscribed ?? 0,
    already: o.already ?? 0,
    left: (o.ignored ?? 0) + (o["not-ours"] ?? 0) + (o["too-large"] ?? 0) + (o.unreadable ?? 0),
  });
}

/** Makes the processed folder if the server does not have it yet (CREATE says if it has). */
async function ensureFolder(client: ImapFlow, folder: string): Promise<void> {
  try {
    await client.mailboxCreate(folder);
  } catch (error) {
    // [ALREADYEXISTS] on some servers, a plain NO on others: there if the server lists it.
    const exists = await client.status(folder, { messages: true }).catch(() => undefined);
    if (!exists) throw error;
  }
}

/** The server's own words for a failure, on one line. */
function reasonOf(error: unknown): string {
  const e = error as { responseText?: string; message?: string; code?: string };
  return (e?.responseText ?? e?.message ?? e?.code ?? String(error)).replace(/\s+/g, " ").trim();
}
