/**
 * `lettre subscriber show <address> [--json]`: everything lettre holds about one person
 * (GDPR art. 15: subscriptions, proof of consent, audit trail).
 * `lettre subscriber forget <address> --yes`: erases it (art. 17), keeping only a keyed
 * hash so that the address stays suppressed.
 */
import { checkAddress } from "../core/address.ts";
import { type MessageKey, t } from "../core/i18n.ts";
import { printable } from "../core/terminal.ts";
import {
  type AuditEvent,
  clearFreedPages,
  closeDatabase,
  forgetPerson,
  openDatabase,
  type PersonRecord,
  personRecord,
} from "../send/store.ts";

export async function runSubscriber(
  root: string,
  args: string[],
  options: { json?: boolean | undefined; yes?: boolean | undefined },
): Promise<number> {
  const [action, typed, extra] = args;
  if (!action || !["show", "forget"].includes(action) || !typed || extra !== undefined) {
    console.error(t("subscriber-usage"));
    return 2;
  }
  const { address, problem } = checkAddress(typed);
  if (!address) {
    console.error(t(`address-${problem ?? "invalid"}` as MessageKey, { value: printable(typed) }));
    return 2;
  }
  const db = openDatabase(root);
  try {
    const record = personRecord(db, address);
    if (action === "show") {
      // JSON escapes C0 controls, not C1 ones or bidi overrides a terminal would obey.
      if (options.json) {
        console.log(
          JSON.stringify(record, null, 2).replace(
            /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
            (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
          ),
        );
      } else show(record);
      return 0;
    }
    const held =
      record.subscriptions.length + record.signups.length + record.events.length + record.sends >
        0 || record.suppression !== undefined;
    if (!held) {
      console.log(
        t(record.forgotten ? "subscriber-forgotten-already" : "subscriber-unknown", {
          address: printable(address),
        }),
      );
      // Run again after an erasure another program held up: it finishes the clean-up.
      if (record.forgotten && !clearFreedPages(db)) {
        console.error(t("subscriber-forget-incomplete"));
      }
      return record.forgotten ? 0 : 1;
    }
    if (!options.yes) {
      show(record);
      console.error(t("subscriber-forget-confirm", { address: printable(address) }));
      return 1;
    }
    const { rows, complete } = forgetPerson(db, address);
    console.log(t("subscriber-forgotten", { address: printable(address), rows }));
    if (!complete) console.error(t("subscriber-forget-incomplete"));
    return 0;
  } finally {
    closeDatabase(db);
  }
}

const when = (iso: string | null | undefined) => (iso ? iso.replace("T", " ").slice(0, 16) : "");

function show(record: PersonRecord): void {
  const p = printable;
  if (record.forgotten && record.subscriptions.length === 0) {
    console.log(
      t("subscriber-was-forgotten", { address: p(record.email), at: when(record.forgotten) }),
    );
  }
  if (
    record.subscriptions.length + record.signups.length + record.events.length + record.sends ===
    0
  ) {
    if (!record.forgotten) console.log(t("subscriber-unknown", { address: p(record.email) }));
    return;
  }
  console.log(p(record.subscriptions[0]?.address ?? record.email));
  console.log(t("subscriber-lists"));
  for (const s of record.subscriptions) {
    const fields = Object.values(s.fields).map(p).join(", ");
    console.log(
      `  ${p(s.list)}: ${t(`subscriber-status-${s.status}` as MessageKey)}` +
        `${s.source ? `, ${p(s.source)}` : ""}, ${when(s.added)}${fields ? `  (${fields})` : ""}`,
    );
  }
  if (record.suppression) {
    console.log(
      t("subscriber-suppressed", {
        reason: t(`subscriber-status-${record.suppression.reason}` as MessageKey),
        at: when(record.suppression.at),
      }),
    );
  }
  if (record.signups.length > 0) console.log(t("subscriber-consent"));
  for (const s of record.signups) {
    console.log(
      `  ${t("subscriber-signup", {
        lists: s.lists.map(p).join(", "),
        asked: when(s.asked),
        confirmed: s.confirmed ? when(s.confirmed) : t("subscriber-not-confirmed"),
        page: p(s.page ?? "-"),
        ip: p(s.ip ?? "-"),
      })}`,
    );
    console.log(`    « ${p(s.consent)} »`);
  }
  if (record.sends > 0) console.log(t("subscriber-sends", { count: record.sends }));
  console.log(t("subscriber-history"));
  for (const e of record.events) console.log(`  ${eventLine(e)}`);
}

function eventLine(e: AuditEvent): string {
  const action = t(`audit-${e.action}` as MessageKey);
  const by = t(`audit-by-${e.by}` as MessageKey);
  return `${when(e.at)}  ${printable(e.list ?? "*")}  ${action} (${by})${e.detail ? `: ${printable(e.detail)}` : ""}`;
}
