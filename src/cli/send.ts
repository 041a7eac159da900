/**
 * `lettre send <slug> --list <name>` and `lettre send status <slug>`: the editor's side of
 * sending: what would be sent, a confirmation, a progress bar, a clean stop on Ctrl-C, and
 * a report of who got the issue.
 */

import path from "node:path";
import { createInterface } from "node:readline/promises";
import { loadConfig } from "../config/index.ts";
import { addressKey, checkAddress } from "../core/address.ts";
import { formatDiagnostic } from "../core/diagnostic.ts";
import { getLocale, type Locale, setLocale, t } from "../core/i18n.ts";
import { printable } from "../core/terminal.ts";
import {
  DatabaseLostError,
  describeFailure,
  editionChange,
  type Reason,
  SendError,
  sendIssue,
  sendStatus,
  toSend,
} from "../send/index.ts";
import { buildMessage } from "../send/message.ts";
import {
  closeDatabase,
  countsByStatus,
  frozenEdition,
  listNames,
  openDatabase,
  recipients,
  STATUSES,
  subscriberCount,
  unknownRecipients,
} from "../send/store.ts";
import { chooseSecret } from "../send/token.ts";
import { parseTransport, transportProblem } from "../send/transport-url.ts";
import {
  createTransport,
  TLS_CERTIFICATE,
  TLS_REQUIRED,
  type Transport,
  TransportError,
  type TransportOptions,
} from "../send/transports.ts";

export interface SendArgs {
  root: string;
  slug?: string | undefined;
  list?: string | undefined;
  transport?: string | undefined;
  yes: boolean;
  dryRun: boolean;
  test?: string | undefined;
  resendUnknown: boolean;
  json: boolean;
  csv: boolean;
  /** Language of messages (--lang, LETTRE_LANG); default: the config's. */
  lang?: Locale | undefined;
}

const out = (line: string) => console.log(line);
const err = (line: string) => console.error(line);

export async function runSendStatus(args: SendArgs): Promise<number> {
  if (!args.slug) return usage();
  const db = openDatabase(args.root);
  try {
    const rows = sendStatus(db, args.slug);
    if (args.json) {
      out(JSON.stringify({ issue: args.slug, lists: rows }, null, 2));
    } else if (args.csv) {
      out(
        [
          "list",
          ...STATUSES,
          "remaining",
          "frozen_at",
          "bounced",
          "soft_bounced",
          "complained",
        ].join(";"),
      );
      for (const r of rows) {
        const { hard, soft, complaint } = r.returned;
        out(
          [
            r.list,
            ...STATUSES.map((s) => r[s]),
            r.remaining,
            r.frozenAt ?? "",
            hard,
            soft,
            complaint,
          ].join(";"),
        );
      }
    } else if (rows.length === 0) {
      out(t("send-status-none", { slug: args.slug }));
    } else {
      for (const { running, frozenAt, returned, ...r } of rows) {
        out(t("send-status-line", { ...r }));
        if (frozenAt) out(t("send-status-frozen", { date: when(frozenAt) }));
        if (returned.hard + returned.soft + returned.complaint > 0) {
          out(t("send-status-returned", returned));
        }
        // In flight now, or left in flight by a killed run: either way not yet "sent".
        if (r.sending > 0) {
          out(
            running === null
              ? t("send-status-sending-killed", { count: r.sending })
              : t("send-status-sending-running", { count: r.sending, pid: running }),
          );
        }
      }
    }
    return 0;
  } finally {
    db.close();
  }
}

function usage(): number {
  err(t("send-usage"));
  return 2;
}

export async function runSend(args: SendArgs): Promise<number> {
  const { root, slug, list } = args;
  if (!slug || (!list && !args.test)) return usage();
  const badTransport = args.transport === undefined ? undefined : transportProblem(args.transport);
  if (badTransport) {
    err(t("send-transport-option", { detail: badTransport }));
    return 2;
  }
  const config = await loadConfig(root);
  if (!config.value) {
    for (const d of config.diagnostics) err(formatDiagnostic(d));
    return 1;
  }
  const lang = args.lang ?? config.value.lang;
  setLocale(lang);
  // The issue as it is now, drafts refused: its email only. Loaded here only: the pipeline
  // takes a while to load, which `send status` and early refusals do not need.
  const { buildIssue } = await import("../pipeline/index.ts");
  const built = await buildIssue(root, slug, { lang });
  if (built.known) {
    err(t("send-unknown-issue", { slug, known: built.known.join(", ") }));
    return 1;
  }
  const errors = built.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0 || !built.issue || !built.email) {
    for (const d of errors) err(formatDiagnostic(d));
    return 1;
  }
  if (built.issue.data.draft) {
    err(t("send-draft", { slug }));
    return 1;
  }
  const compiled = {
    slug,
    subject: built.issue.data.title,
    html: built.email.html,
    text: built.email.text,
  };

  const url = args.transport ?? config.value.sending.transport;
  const parsed = parseTransport(url);
  const outboxFolder = "kind" in parsed && parsed.kind === "outbox" ? parsed.folder : undefined;
  const isOutbox = outboxFolder !== undefined;
  const transportUrl = isOutbox ? `outbox:${path.resolve(root, outboxFolder)}` : url;
  /** The transport as shown: no user name. */
  const shownTransport = isOutbox ? transportUrl : url.replace(/\/\/[^@/]*@/, "//");
  // Real sends (a --test copy too) are signed with the editor's secret; the outbox alone may
  // use the public preview key, and its files say so.
  const chosen = chooseSecret(process.env.LETTRE_UNSUBSCRIBE_SECRET, isOutbox);
  if ("problem" in chosen) {
    err(
      chosen.problem === "short"
        ? t("send-secret-short", { bytes: chosen.bytes })
        : chosen.problem === "weak"
          ? t("send-secret-weak", {
              why: t(`send-secret-${chosen.reason}`, { count: chosen.distinct }),
            })
          : t("send-secret", { transport: shownTransport }),
    );
    return 1;
  }
  const { secret } = chosen;
  if (chosen.preview) err(t("send-secret-preview"));
  // Without sending.unsubscribeUrl, the link is site.url's /unsubscribe: over http, mail
  // providers get no one-click unsubscribe (RFC 8058), which they require of bulk senders.
  const sending = config.value.sending;
  if (!sending.unsubscribeUrl && !config.value.site.url.toLowerCase().startsWith("https:")) {
    err(t("send-unsubscribe-http", { url: `${config.value.site.url}/unsubscribe` }));
  }
  const transport = openTransport(transportUrl, config.value.sending);
  if (!transport) return 1;

  try {
    if (args.test) {
      const checked = checkAddress(args.test);
      if (!checked.address) {
        err(t("address-invalid", { value: args.test }));
        return 2;
      }
      const message = buildMessage(
        { ...compiled, subject: `[TEST] ${compiled.subject}` },
        { email: addressKey(checked.address), address: checked.address, fields: {} },
        "test",
        config.value,
        secret,
      );
      let response: string;
      try {
        response = (await transport.send(message)).response;
      } catch (error) {
        // Not sent: say why, as a send does (never an "internal error").
        const e = error as Parameters<typeof describeFailure>[0];
        const why = describeFailure(e);
        const tls = tlsMessage(e?.code);
        if (tls) {
          err(t(tls, { transport: shownTransport, detail: printable(why.reason) }));
          return 1;
        }
        err(t("send-test-failed", { address: checked.address, reason: printable(why.reason) }));
        if (why.connection) err(connectionHint(shownTransport));
        return 1;
      }
      out(t("send-test-done", { address: checked.address, response }));
      return 0;
    }

    const db = openDatabase(root);
    try {
      const name = list ?? "";
      if (!listNames(db).some((l) => l.name === name)) {
        err(
          t("list-unknown", {
            value: name,
            known:
              listNames(db)
                .map((l) => l.name)
                .join(", ") || "—",
          }),
        );
        return 1;
      }
      const people = recipients(db, name);
      const all = subscriberCount(db, name);
      const done = countsByStatus(db, slug, name);
      const waiting = toSend(db, slug, name, args.resendUnknown).length;
      const summary = {
        title: compiled.subject,
        list: name,
        total: people.length,
        suppressed: all - people.length,
        sent: done.sent,
        unknown: done.unknown + done.sending,
        toSend: waiting,
        transport: shownTransport,
      };
      // Once someone of the list may have it, the issue is frozen: the rest get that version.
      const frozen = frozenEdition(db, slug, name);
      const change = frozen && editionChange(frozen, compiled);
      if (frozen) summary.title = frozen.subject;
      out(t("send-plan", summary));
      if (summary.unknown > 0) out(t("send-unknown-plan", { count: summary.unknown }));
      if (frozen && change) {
        const date = when(frozen.frozenAt);
        err(
          t("send-edition-changed", {
            list: name,
            date,
            sent: summary.sent,
            what: t(`send-edition-${change}`),
          }),
        );
        err(t("send-edition-new"));
        if (args.dryRun) err(t("send-edition-dry-run", { date }));
        else if (args.yes && summary.toSend > 0) err(t("send-edition-yes", { date }));
      }
      if (args.dryRun) return 0;
      if (chosen.preview) {
        // Without the secret the outbox holds previews: every recipient's message is written,
        // nothing is recorded as sent and nothing is frozen, so the real send stays whole.
        for (const person of people) {
          await transport.send(buildMessage(compiled, person, name, config.value, secret));
        }
        const folder = path.relative(process.cwd(), transportUrl.slice("outbox:".length));
        out(t("send-preview-written", { count: people.length, folder: folder || "." }));
        return 0;
      }
      if (summary.toSend === 0) {
        out(t("send-nothing"));
        return 0;
      }
      if (!args.yes) {
        if (!process.stdin.isTTY) {
          err(t("send-confirm-needed"));
          return 2;
        }
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        const question = t(change ? "send-confirm-frozen" : "send-confirm", summary);
        const answer = (await rl.question(question)).trim().toLowerCase();
        rl.close();
        if (!["o", "oui", "y", "yes"].includes(answer)) {
          out(t("send-cancelled"));
          return 1;
        }
      }

      const controller = new AbortController();
      const stop = () => {
        if (!controller.signal.aborted) err(t("send-stopping"));
        controller.abort();
      };
      process.on("SIGINT", stop);
      const progress = progressPrinter(summary.toSend);
      try {
        const result = await sendIssue(db, {
          compiled,
          list: name,
          config: config.value,
          transport,
          secret,
          resendUnknown: args.resendUnknown,
          signal: controller.signal,
          onProgress: progress.update,
        });
        progress.end();
        const s = result.status;
        if (s) {
          const { returned: _, ...counts } = s;
          out(t("send-status-line", { ...counts, running: undefined, frozenAt: undefined }));
        }
        printReasons(result.reasons, shownTransport);
        if (result.unknownFromCrash > 0) {
          err(t("send-unknown-found", { count: result.unknownFromCrash }));
          for (const email of unknownRecipients(db, slug, name)) err(`  ${printable(email)}`);
        }
        if (controller.signal.aborted) {
          err(t("send-interrupted"));
          return 130;
        }
        // What this run could not deliver, not what earlier runs recorded.
        return result.run.deferred > 0 ? 1 : 0;
      } finally {
        progress.end();
        process.off("SIGINT", stop);
      }
    } catch (error) {
      if (error instanceof DatabaseLostError) {
        // Closed first: what SQLite leaves beside a lost database is dealt with once it is.
        const closed = closeDatabase(db);
        err(t("send-db-lost", { count: error.sent.length }));
        if (error.rescued) {
          err(t("send-db-rescued", { file: error.rescued }));
        } else {
          err(t("send-db-not-rescued", { detail: error.rescueError ?? "" }));
          for (const email of error.sent) err(`  ${printable(email)}`);
        }
        if (closed.removed.length > 0) {
          err(t("send-db-leftovers-removed", { files: closed.removed.join(", ") }));
        }
        if (closed.left.length > 0) {
          const files = closed.left.join(", ");
          err(
            closed.at === "replaced"
              ? t("send-db-leftovers-replaced", { files })
              : t("send-db-leftovers-stuck", { files, detail: closed.error ?? "" }),
          );
        }
        return 1;
      }
      if (error instanceof SendError && error.code === "ERUNNING") {
        err(t("send-running", { detail: error.message }));
        return 1;
      }
      const tls = error instanceof SendError ? tlsMessage(error.code) : undefined;
      if (tls) {
        err(t(tls, { transport: shownTransport, detail: printable((error as Error).message) }));
        return 1;
      }
      if (error instanceof SendError && error.code === "ETRANSPORT") {
        err(t("send-fatal", { detail: error.message }));
        return 1;
      }
      throw error;
    } finally {
      if (db.isOpen) closeDatabase(db);
    }
  } finally {
    await transport.close();
  }
}

/** Distinct reasons shown after a send; the others are counted. */
const MAX_REASONS = 3;

/**
 * Why this run deferred or failed messages, after its summary: each distinct reason with
 * how many messages it stopped (the server's own words, shown safely), and, when the server
 * could not be reached, what to check.
 */
function printReasons(reasons: Reason[], transport: string): void {
  if (reasons.length === 0) return;
  const total = reasons.reduce((sum, r) => sum + r.count, 0);
  err(t("send-reasons", { count: total }));
  for (const r of reasons.slice(0, MAX_REASONS)) {
    err(t(`send-reason-${r.status}`, { count: r.count, reason: printable(r.reason) }));
  }
  const others = reasons.slice(MAX_REASONS);
  if (others.length > 0) {
    const count = others.reduce((sum, r) => sum + r.count, 0);
    err(t("send-reasons-more", { count, reasons: others.length }));
  }
  if (reasons.some((r) => r.connection)) err(connectionHint(transport));
  if (reasons.some((r) => r.status === "deferred")) err(t("send-reason-resume"));
}

/** What to check when the server could not be reached. */
function connectionHint(transport: string): string {
  return t(transport.startsWith("ses:") ? "send-reason-connection-ses" : "send-reason-connection", {
    transport,
  });
}

/** An instant of the journal, for the editor: "5 janvier 2026 à 14:32" (local time). */
function when(iso: string): string {
  return new Date(iso).toLocaleString(getLocale() === "fr" ? "fr-FR" : "en-GB", {
    dateStyle: "long",
    timeStyle: "short",
  });
}

/** The transport, or undefined after saying why it cannot be made (e.g. a missing DKIM key). */
function openTransport(url: string, sending: TransportOptions): Transport | undefined {
  try {
    return createTransport(url, { ...sending });
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    err(t("send-transport-error", { detail: error.message }));
    return undefined;
  }
}

/** The message for a send stopped by the server's encryption, if that is what stopped it. */
function tlsMessage(code: string | undefined) {
  if (code === TLS_REQUIRED) return "send-tls-required" as const;
  if (code === TLS_CERTIFICATE) return "send-tls-certificate" as const;
  return undefined;
}

/** A progress bar with rate and ETA on a terminal; a line every 10 % otherwise. */
function progressPrinter(total: number) {
  const started = performance.now();
  const tty = process.stdout.isTTY === true;
  let lastTenth = -1;
  let done = 0;
  return {
    update({ done: n }: { done: number }) {
      done = n;
      const seconds = (performance.now() - started) / 1000;
      const rate = n / Math.max(seconds, 0.001);
      const eta = rate > 0 ? Math.round((total - n) / rate) : 0;
      if (tty) {
        const width = 24;
        const filled = Math.round((n / Math.max(total, 1)) * width);
        process.stdout.write(
          `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${n}/${total}  ${rate.toFixed(1)}/s  ${t("send-eta", { eta })}   `,
        );
      } else {
        const tenth = Math.floor((n / Math.max(total, 1)) * 10);
        if (tenth > lastTenth) {
          lastTenth = tenth;
          out(t("send-progress", { done: n, total, rate: rate.toFixed(1) }));
        }
      }
    },
    end() {
      if (tty && done > 0) process.stdout.write("\n");
      done = 0;
    },
  };
}
