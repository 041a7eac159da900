/**
 * What lettre does with a returned message once it is read (classify.ts) or a provider's
 * notification once verified (sns.ts): suppress, count a temporary bounce, unsubscribe from
 * a list. Each message or notification is acted on once, whatever is killed when (the key
 * is recorded in the same transaction as the change: store.ts `actOnce`).
 */
import { createHash } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import {
  actOnce,
  isForgotten,
  type ReturnedOutcome,
  recordReturned,
  returnedIsOurs,
  unsubscribeFromList,
} from "../send/store.ts";
import { verifyUnsubscribeToken } from "../send/token.ts";
import type { Report } from "./report.ts";
import type { SesEvent } from "./sns.ts";

export interface ActSettings {
  /** A temporary bounce on this many distinct sends suppresses the address. */
  softBounces: number;
  /** LETTRE_UNSUBSCRIBE_SECRET, which signed the tokens; without it no mailto is honoured. */
  secret: string | undefined;
}

/** The key of a returned message: the same bytes are the same message, wherever it is moved. */
export function messageKey(raw: Uint8Array): string {
  return `mail:${createHash("sha256").update(raw).digest("hex")}`;
}

/** Which outcome a message with several recipients reports: the strongest. */
const RANK: Record<ReturnedOutcome, number> = {
  "not-ours": 0,
  ignored: 1,
  noted: 2,
  counted: 3,
  unsubscribed: 4,
  suppressed: 5,
};

/** The detail kept with a suppression: the status and what the server said. */
function detailOf(report: { status?: string | undefined; diagnostic?: string | undefined }) {
  const detail = [report.status, report.diagnostic].filter(Boolean).join(" ");
  return detail ? detail.replace(/\s+/g, " ").trim() : undefined;
}

/**
 * Acts on one classified message: `suppressed`, `counted` (a temporary bounce),
 * `unsubscribed` (a mailto unsubscribe with a valid token), `noted` (a delay warning about
 * lettre's mail), or the message left alone: `ignored` (an auto-reply, other mail, an
 * unsubscribe mail without a valid token) and `not-ours` (about no message lettre sent).
 * `already`: acted on before.
 */
export function actOnReport(
  db: DatabaseSync,
  key: string,
  report: Report,
  settings: ActSettings,
): { outcome: ReturnedOutcome; already: boolean } {
  if (report.kind === "bounce" || report.kind === "complaint") {
    const kind = report.kind;
    // A report may hold permanent and temporary failures: each recipient acted on as it failed.
    const failures =
      kind === "bounce" && report.perRecipient?.length
        ? report.perRecipient
        : [{ ...report, address: undefined }];
    return actOnce(db, key, kind, () => {
      let outcome: ReturnedOutcome = "not-ours";
      for (const failure of failures) {
        const detail = detailOf(failure);
        const returned = {
          kind,
          permanent: kind === "complaint" || failure.permanent,
          recipients: failure.address ? [failure.address] : report.recipients,
          messageIds: report.messageIds,
          ...(detail ? { detail } : {}),
        };
        // A delay warning: the server still tries, and says so again if it gives up. Not a
        // bounce to count (greylisting would suppress deliverable readers), only noted.
        if ("delayed" in failure && failure.delayed) {
          if (returnedIsOurs(db, returned) && RANK.noted > RANK[outcome]) outcome = "noted";
          continue;
        }
        const done = recordReturned(db, returned, settings.softBounces);
        outcome = RANK[done] > RANK[outcome] ? done : outcome;
      }
      return outcome;
    });
  }
  if (report.kind === "unsubscribe" && report.token && settings.secret) {
    const who = verifyUnsubscribeToken(settings.secret, report.token);
    if (!who) return { outcome: "ignored", already: false };
    return actOnce(db, key, "unsubscribe", () => {
      // Erased on request: suppressed by its hash already, nothing about it written again.
      if (!isForgotten(db, who.email)) unsubscribeFromList(db, who.list, who.email, "mailto");
      return "unsubscribed";
    });
  }
  return { outcome: "ignored", already: false };
}

/** Acts on a provider's notification, once per feedback id (SNS retries, duplicates). */
export function actOnProviderEvent(
  db: DatabaseSync,
  event: SesEvent,
  settings: Pick<ActSettings, "softBounces">,
): { outcome: ReturnedOutcome; already: boolean } {
  const key = `sns:${event.feedbackId}`;
  const detail = detailOf(event);
  return actOnce(db, key, event.kind, () =>
    recordReturned(
      db,
      {
        kind: event.kind,
        permanent: event.kind === "complaint" || event.permanent,
        recipients: event.recipients,
        messageIds: [],
        providerId: event.sesMessageId,
        ...(detail ? { detail } : {}),
      },
      settings.softBounces,
    ),
  );
}
