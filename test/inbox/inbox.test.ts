/**
 * `lettre inbox` against a real IMAP server (Dovecot on 127.0.0.1): issues sent through a real
 * SMTP server, then what comes back to the returns mailbox (a hard bounce, a complaint, soft
 * bounces, a mailto unsubscribe, an auto-reply, a bounce of someone else's mail, ordinary
 * mail), one pass, the database and the mailbox checked; a pass killed with SIGKILL acts once.
 */
import { randomUUID } from "node:crypto";
import type { ImapFlow } from "imapflow";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.ts";
import { actOnReport, messageKey } from "../../src/inbox/act.ts";
import { classifyMessage } from "../../src/inbox/classify.ts";
import { inboxPass } from "../../src/inbox/imap.ts";
import { openDatabase, personRecord } from "../../src/send/store.ts";
import { lettre } from "../cli.ts";
import { put, read } from "../helpers.ts";
import { sendingProject } from "../send/project.ts";
import { type Received, startSmtp } from "../send/smtp.ts";
import { freePort, startServe } from "../serve/load.ts";
import { type Dovecot, startDovecot } from "./dovecot.ts";

const SECRET = "reliability-test-secret-of-at-least-32-bytes";
const SENDER = "lettre@datalab-normandie.fr";
const PROCESSED = "lettre-traites";

let dovecot: Dovecot;
beforeAll(async () => {
  dovecot = await startDovecot();
});
afterAll(async () => {
  await dovecot?.stop();
});

/** A delivery status notification (RFC 3464) as Postfix writes one. */
function dsn(
  to: string,
  original: Received | undefined,
  status: string,
  options: { action?: string } = {},
) {
  const id = `<${randomUUID()}@mx.exemple.fr>`;
  const code = status.startsWith("5") ? "550" : "452";
  const headers = original
    ? `Message-ID: ${original.mail.messageId ? `<${original.mail.messageId.replace(/^<|>$/g, "")}>` : ""}\r\nFrom: DataLab Normandie <${SENDER}>\r\nTo: ${to}\r\nSubject: ${original.mail.subject ?? ""}\r\n`
    : `Message-ID: <other-${randomUUID()}@ailleurs.example>\r\nFrom: quelqu-un@ailleurs.example\r\nTo: ${to}\r\nSubject: Autre chose\r\n`;
  return [
    "Return-Path: <>",
    "From: Mail Delivery System <MAILER-DAEMON@mx.exemple.fr>",
    `To: ${SENDER}`,
    "Subject: Undelivered Mail Returned to Sender",
    `Message-ID: ${id}`,
    "Date: Sun, 6 Dec 2026 10:00:00 +0100",
    "Auto-Submitted: auto-replied",
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B0UND"',
    "",
    "--B0UND",
    "Content-Type: text/plain; charset=us-ascii",
    "",
    "This is the mail system at host mx.exemple.fr.",
    "",
    "I'm sorry to have to inform you that your message could not",
    "be delivered to one or more recipients.",
    "",
    `<${to}>: host mx.exemple.fr said: ${code} ${status} mailbox problem`,
    "",
    "--B0UND",
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.exemple.fr",
    "",
    `Final-Recipient: rfc822; ${to}`,
    `Original-Recipient: rfc822; ${to}`,
    `Action: ${options.action ?? "failed"}`,
    `Status: ${status}`,
    `Diagnostic-Code: smtp; ${code} ${status} mailbox problem`,
    "",
    "--B0UND",
    "Content-Type: text/rfc822-headers",
    "",
    headers,
    "--B0UND--",
    "",
  ].join("\r\n");
}

/** A spam complaint (RFC 5965 ARF) as a feedback loop sends it. */
function arf(to: string, original: Received) {
  return [
    "From: Feedback Loop <fbl@fai.example>",
    `To: ${SENDER}`,
    "Subject: Abuse report",
    `Message-ID: <${randomUUID()}@fai.example>`,
    "Date: Sun, 6 Dec 2026 10:05:00 +0100",
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"',
    "",
    "--ARF",
    "Content-Type: text/plain",
    "",
    "This is an email abuse report for an email message received from IP 192.0.2.1.",
    "",
    "--ARF",
    "Content-Type: message/feedback-report",
    "",
    "Feedback-Type: abuse",
    "User-Agent: FBL/1.0",
    "Version: 1",
    `Original-Rcpt-To: ${to}`,
    "",
    "--ARF",
    "Content-Type: message/rfc822",
    "",
    `Message-ID: <${(original.mail.messageId ?? "").replace(/^<|>$/g, "")}>`,
    `From: ${SENDER}`,
    `To: ${to}`,
    `Subject: ${original.mail.subject ?? ""}`,
    "",
    "Bonjour",
    "--ARF--",
    "",
  ].join("\r\n");
}

function plain(from: string, subject: string, extra: string[] = [], body = "Bonjour,\r\n") {
  return [
    `From: ${from}`,
    `To: ${SENDER}`,
    `Subject: ${subject}`,
    `Message-ID: <${randomUUID()}@exemple.fr>`,
    "Date: Sun, 6 Dec 2026 11:00:00 +0100",
    ...extra,
    "",
    body,
  ].join("\r\n");
}

/** The token of the mailto in a message's List-Unsubscribe header. */
function mailtoToken(message: Received): string {
  const header = /^List-Unsubscribe:(.*(?:\r?\n[ \t].*)*)/im.exec(message.raw)?.[1] ?? "";
  const found = /subject=unsubscribe(?:%20|\s)([\w-]+)/.exec(header)?.[1];
  if (!found) throw new Error(`no mailto token in ${header}`);
  return found;
}

/** The messages of a folder: subject and flags, in UID order. */
async function folder(client: ImapFlow, name: string) {
  const lock = await client.getMailboxLock(name);
  try {
    // What another connection (lettre's) changed is told by the server at the next command.
    await client.noop();
    const out: { subject: string; flags: string[] }[] = [];
    const box = client.mailbox;
    if (box && box.exists === 0) return out;
    for await (const m of client.fetch("1:*", { envelope: true, flags: true })) {
      // \\Recent says which session saw a message first, not what was done to it.
      const flags = [...(m.flags ?? [])].filter((f) => f !== "\\Recent").sort();
      out.push({ subject: m.envelope?.subject ?? "", flags });
    }
    return out;
  } finally {
    lock.release();
  }
}

async function emptyMailbox(client: ImapFlow) {
  for (const name of ["INBOX", PROCESSED]) {
    const exists = (await client.list()).some((f) => f.path === name);
    if (!exists) continue;
    const lock = await client.getMailboxLock(name);
    try {
      if (client.mailbox && client.mailbox.exists > 0) await client.messageDelete("1:*");
    } finally {
      lock.release();
    }
  }
}

async function inboxProject(emails: number, softBounces = 2) {
  const { root, emails: addresses } = await sendingProject(emails, 1);
  const config = await read(root, "lettre.config.yaml");
  await put(
    root,
    "lettre.config.yaml",
    `${config.trimEnd()}
inbox:
  imap:
    host: 127.0.0.1
    port: ${dovecot.port}
    security: none
    user: ${dovecot.user}
    processed: ${PROCESSED}
  softBounces: ${softBounces}
`,
  );
  return { root, addresses };
}

const env = () => ({ LETTRE_IMAP_PASSWORD: dovecot.password, LETTRE_UNSUBSCRIBE_SECRET: SECRET });

async function send(root: string, slug: string, url: string) {
  const sent = await lettre(root, ["send", slug, "--list", "l", "--yes", "--transport", url], {
    env: env(),
  }).done;
  expect(sent.code, sent.stderr).toBe(0);
}

describe("lettre inbox over IMAP (Dovecot on 127.0.0.1)", () => {
  let client: ImapFlow;
  beforeAll(async () => {
    client = await dovecot.client();
  });
  afterEach(async () => {
    await emptyMailbox(client);
  });

  it("acts on bounces, complaints and mailto unsubscribes, and leaves everything else alone", async () => {
    const smtp = await startSmtp();
    try {
      const { root, addresses } = await inboxProject(7);
      const [hard, complaint, soft, leaving, away, , kept] = addresses as [string, ...string[]];
      await send(root, "2025-s1", smtp.url);
      const to = (address: string | undefined) => smtp.received.find((r) => r.to === address);
      expect(smtp.received).toHaveLength(7);

      const returned = [
        dsn(hard, to(hard), "5.1.1"),
        arf(complaint as string, to(complaint) as Received),
        dsn(soft as string, to(soft), "4.2.2"),
        plain(leaving as string, `unsubscribe ${mailtoToken(to(leaving) as Received)}`),
        plain(away as string, "Réponse automatique : absent", [
          "Auto-Submitted: auto-replied",
          "X-Autoreply: yes",
        ]),
        dsn("inconnu@ailleurs.example", undefined, "5.1.1"),
        plain("collegue@datalab-normandie.fr", "Réunion de jeudi", [], "On se voit jeudi ?\r\n"),
        // Someone asks by mail, without the link's token: an editor reads it.
        plain(kept as string, "désabonnement", [], "Merci de me retirer de la liste.\r\n"),
      ];
      for (const message of returned) await client.append("INBOX", message);
      const before = await folder(client, "INBOX");

      const pass = await lettre(root, ["inbox"], { env: env() }).done;
      expect(pass.code, pass.stderr).toBe(0);
      expect(pass.stdout).toContain("8 message(s) lu(s), 4 rangé(s)");

      // The mailbox: four moved, the four others as they were (flags too: not even read).
      const inbox = await folder(client, "INBOX");
      expect(inbox.map((m) => m.subject)).toEqual([
        "Réponse automatique : absent",
        "Undelivered Mail Returned to Sender",
        "Réunion de jeudi",
        "désabonnement",
      ]);
      // The last four appended, in order, with the flags they had.
      expect(inbox).toEqual(before.slice(4));
      expect(inbox.every((m) => !m.flags.includes("\\Seen"))).toBe(true);
      expect((await folder(client, PROCESSED)).map((m) => m.subject).sort()).toEqual([
        "Abuse report",
        "Undelivered Mail Returned to Sender",
        "Undelivered Mail Returned to Sender",
        `unsubscribe ${mailtoToken(to(leaving) as Received)}`,
      ]);

      // The database: who is out, why, and the trail.
      const db = openDatabase(root);
      try {
        expect(personRecord(db, hard).suppression?.reason).toBe("bounced");
        expect(personRecord(db, complaint as string).suppression?.reason).toBe("complained");
        expect(personRecord(db, soft as string).suppression).toBeUndefined();
        expect(personRecord(db, leaving as string).subscriptions[0]?.status).toBe("unsubscribed");
        for (const address of [away, kept]) {
          const record = personRecord(db, address as string);
          expect(record.suppression).toBeUndefined();
          expect(record.subscriptions[0]?.status).toBe("subscribed");
        }
        const trail = (address: string) =>
          personRecord(db, address).events.map((e) => `${e.action} by ${e.by}`);
        expect(trail(hard)).toContain("bounced by bounce");
        expect(trail(complaint as string)).toContain("complained by complaint");
        expect(trail(soft as string)).toContain("soft-bounce by bounce");
        expect(trail(leaving as string)).toContain("unsubscribed by mailto");
        expect(personRecord(db, "inconnu@ailleurs.example").events).toEqual([]);
      } finally {
        db.close();
      }

      // list show and send status say it to the editor.
      const shown = await lettre(root, ["list", "show", "l"]).done;
      expect(shown.stdout).toMatch(new RegExp(`${hard}.*en erreur`));
      expect(shown.stdout).toMatch(new RegExp(`${complaint}.*spam`));
      const person = await lettre(root, ["subscriber", "show", complaint as string]).done;
      expect(person.stdout).toMatch(/plainte pour spam \(plainte\): 2025-s1\/l/);
      const softShown = await lettre(root, ["subscriber", "show", soft as string]).done;
      expect(softShown.stdout).toMatch(/erreur temporaire \(rejet\): 2025-s1\/l \(1\)/);
      const status = await lettre(root, ["send", "status", "2025-s1"]).done;
      expect(status.stdout, status.stderr).toMatch(
        /1 en erreur définitive.*1 temporaire.*1 plainte/s,
      );

      // A second pass finds nothing new and changes nothing.
      const again = await lettre(root, ["inbox"], { env: env() }).done;
      expect(again.stdout).toContain("0 message(s) lu(s), 0 rangé(s)");

      // The soft bounce again on another send suppresses (softBounces: 2 distinct sends);
      // a second soft bounce of the same send does not count twice.
      await client.append("INBOX", dsn(soft as string, to(soft), "4.2.2"));
      smtp.received.length = 0;
      await send(root, "2025-s2", smtp.url);
      const second = smtp.received.find((r) => r.to === soft);
      expect(second).toBeDefined();
      const dup = await lettre(root, ["inbox"], { env: env() }).done;
      expect(dup.stdout).toContain("1 erreur(s) temporaire(s)");
      const db2 = openDatabase(root);
      expect(personRecord(db2, soft as string).suppression).toBeUndefined();
      db2.close();
      await client.append("INBOX", dsn(soft as string, second, "4.2.2"));
      const third = await lettre(root, ["inbox"], { env: env() }).done;
      expect(third.code, third.stderr).toBe(0);
      const db3 = openDatabase(root);
      const record = personRecord(db3, soft as string);
      db3.close();
      expect(record.suppression?.reason).toBe("bounced");
      expect(record.suppression?.detail).toContain("2 temporary bounces");
    } finally {
      await smtp.close();
    }
  }, 120_000);

  it("acts once on a message whose pass was killed after acting, before moving it", async () => {
    const smtp = await startSmtp();
    try {
      const { root, addresses } = await inboxProject(2);
      await send(root, "2025-s1", smtp.url);
      const bounce = dsn(
        addresses[0] as string,
        smtp.received.find((r) => r.to === addresses[0]),
        "5.1.1",
      );
      await client.append("INBOX", bounce);
      // What a pass killed between its commit and the IMAP move leaves: the change made, the
      // message still in the inbox. (The same bytes: the key is the message's hash.)
      const db = openDatabase(root);
      const raw = Buffer.from(bounce);
      const acted = actOnReport(db, messageKey(raw), await classifyMessage(raw), {
        softBounces: 3,
        secret: SECRET,
      });
      expect(acted).toEqual({ outcome: "suppressed", already: false });
      const events = personRecord(db, addresses[0] as string).events.length;
      const loaded = parseConfig(await read(root, "lettre.config.yaml"));
      const summary = await inboxPass({
        db,
        config: loaded.value as NonNullable<typeof loaded.value>,
        env: env(),
        secret: SECRET,
      });
      expect(summary).toMatchObject({ read: 1, moved: 1, outcomes: { already: 1 } });
      expect(personRecord(db, addresses[0] as string).events).toHaveLength(events);
      db.close();
      expect(await folder(client, "INBOX")).toEqual([]);
      expect(await folder(client, PROCESSED)).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  }, 60_000);

  it("a pass killed with SIGKILL and run again acts on each message once", async () => {
    const smtp = await startSmtp();
    try {
      const count = 30;
      const { root, addresses } = await inboxProject(count, 1);
      await send(root, "2025-s1", smtp.url);
      for (const [i, address] of addresses.entries()) {
        const original = smtp.received.find((r) => r.to === address);
        // Half hard bounces, half soft ones (softBounces: 1, so each suppresses too).
        await client.append("INBOX", dsn(address, original, i % 2 ? "4.2.2" : "5.1.1"));
      }
      const run = lettre(root, ["inbox"], { env: env() });
      // Killed once a few messages were acted on (watched in the database).
      const db = openDatabase(root);
      const acted = () => addresses.filter((a) => personRecord(db, a).suppression).length;
      for (let i = 0; i < 400 && acted() < 5; i++) await new Promise((r) => setTimeout(r, 10));
      run.child.kill("SIGKILL");
      const killed = await run.done;
      expect(killed.signal).toBe("SIGKILL");
      const partial = acted();
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(count);

      const rerun = await lettre(root, ["inbox"], { env: env() }).done;
      expect(rerun.code, rerun.stderr).toBe(0);
      for (const address of addresses) {
        const record = personRecord(db, address);
        expect(record.suppression?.reason, address).toBe("bounced");
        // One line per thing that happened: never acted on twice.
        const lines = record.events.filter((e) => e.by === "bounce").map((e) => e.action);
        expect(
          lines.filter((l) => l === "bounced"),
          address,
        ).toHaveLength(1);
        expect(lines.filter((l) => l === "soft-bounce").length, address).toBeLessThanOrEqual(1);
      }
      db.close();
      expect(await folder(client, "INBOX")).toEqual([]);
      expect(await folder(client, PROCESSED)).toHaveLength(count);
    } finally {
      await smtp.close();
    }
  }, 120_000);

  it("lettre serve --inbox reads the mailbox when it starts (and every inbox.every minutes)", async () => {
    const smtp = await startSmtp();
    try {
      const { root, addresses } = await inboxProject(1);
      await send(root, "2025-s1", smtp.url);
      await client.append("INBOX", dsn(addresses[0] as string, smtp.received[0], "5.1.1"));
      const server = await startServe(root, await freePort(), { args: ["--inbox"], env: env() });
      const db = openDatabase(root);
      try {
        for (let i = 0; i < 200 && !personRecord(db, addresses[0] as string).suppression; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(personRecord(db, addresses[0] as string).suppression?.reason).toBe("bounced");
      } finally {
        db.close();
        server.child.kill("SIGTERM");
      }
      const stopped = await server.done;
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(stopped.stdout).toContain("1 message(s) lu(s), 1 rangé(s)");
      expect(await folder(client, PROCESSED)).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  }, 60_000);

  it("without the secret, an unsubscribe mail waits in the mailbox for a pass that has it", async () => {
    const smtp = await startSmtp();
    try {
      const { root, addresses } = await inboxProject(2);
      await send(root, "2025-s1", smtp.url);
      const leaving = addresses[0] as string;
      const token = mailtoToken(smtp.received.find((r) => r.to === leaving) as Received);
      await client.append("INBOX", plain(leaving, `unsubscribe ${token}`));
      await client.append(
        "INBOX",
        dsn(
          addresses[1] as string,
          smtp.received.find((r) => r.to === addresses[1]),
          "5.1.1",
        ),
      );
      const without = await lettre(root, ["inbox"], {
        env: { LETTRE_IMAP_PASSWORD: dovecot.password, LETTRE_UNSUBSCRIBE_SECRET: "" },
      }).done;
      expect(without.code, without.stderr).toBe(0);
      expect(without.stderr).toContain("les demandes de désinscription par e-mail sont laissées");
      // The bounce after it is done; the unsubscribe waits.
      expect(without.stdout).toContain("2 message(s) lu(s), 1 rangé(s)");
      const db = openDatabase(root);
      expect(personRecord(db, leaving).subscriptions[0]?.status).toBe("subscribed");
      const withSecret = await lettre(root, ["inbox"], { env: env() }).done;
      expect(withSecret.stdout).toContain("1 désinscription(s)");
      expect(personRecord(db, leaving).subscriptions[0]?.status).toBe("unsubscribed");
      db.close();
      expect(await folder(client, "INBOX")).toEqual([]);
    } finally {
      await smtp.close();
    }
  }, 60_000);
});

describe("lettre inbox with a server that cannot move safely (no MOVE, no UIDPLUS)", () => {
  let narrow: Dovecot;
  beforeAll(async () => {
    narrow = await startDovecot(
      "imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE UNSELECT CHILDREN NAMESPACE",
    );
  });
  afterAll(async () => {
    await narrow?.stop();
  });

  it("copies what it acted on and deletes nothing: the editor's deleted-marked mail stays", async () => {
    const smtp = await startSmtp();
    try {
      const { root, addresses } = await inboxProject(1);
      const config = (await read(root, "lettre.config.yaml")).replace(
        `port: ${dovecot.port}`,
        `port: ${narrow.port}`,
      );
      await put(root, "lettre.config.yaml", config);
      await send(root, "2025-s1", smtp.url);
      const mine = await narrow.client();
      await mine.append("INBOX", plain("collegue@datalab-normandie.fr", "À jeter plus tard"), [
        "\\Deleted",
      ]);
      await mine.append("INBOX", dsn(addresses[0] as string, smtp.received[0], "5.1.1"));
      const pass = await lettre(root, ["inbox"], {
        env: { LETTRE_IMAP_PASSWORD: narrow.password, LETTRE_UNSUBSCRIBE_SECRET: SECRET },
      }).done;
      expect(pass.code, pass.stderr).toBe(0);
      expect((await folder(mine, "INBOX")).map((m) => m.subject)).toEqual([
        "À jeter plus tard",
        "Undelivered Mail Returned to Sender",
      ]);
      expect((await folder(mine, PROCESSED)).map((m) => m.subject)).toEqual([
        "Undelivered Mail Returned to Sender",
      ]);
      // A second pass does not copy it again.
      await lettre(root, ["inbox"], {
        env: { LETTRE_IMAP_PASSWORD: narrow.password, LETTRE_UNSUBSCRIBE_SECRET: SECRET },
      }).done;
      expect(await folder(mine, PROCESSED)).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  }, 60_000);
});
