/**
 * What the inbox writes (src/send/store.ts): the suppressions of a database made by an older
 * lettre taking complaints, the journal row a returned message is matched to, temporary
 * bounces counted per send, each key acted on once.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { actOnProviderEvent, actOnReport, messageKey } from "../../src/inbox/act.ts";
import { classifyMessage } from "../../src/inbox/classify.ts";
import { importList } from "../../src/send/lists.ts";
import {
  actOnce,
  openDatabase,
  personRecord,
  recordPending,
  recordReturned,
  returnedCounts,
  runJournal,
  unsubscribe,
} from "../../src/send/store.ts";

const roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

async function project() {
  const root = await mkdtemp(path.join(tmpdir(), "lettre-inbox-store-"));
  roots.push(root);
  return root;
}

/** A journal of `slug` to list `l`: each address sent, with the answer `response`. */
function sent(db: DatabaseSync, slug: string, emails: string[], response = "250 OK") {
  recordPending(
    db,
    slug,
    "l",
    emails.map((email) => ({ email, messageId: `<${slug}.${email}@lettre.test>` })),
  );
  const journal = runJournal(db, slug, "l");
  for (const email of emails) {
    journal.claimRecipient(email);
    journal.markSent(email, response);
  }
}

describe("the store of returned mail", () => {
  it("a database of an older lettre keeps its suppressions and takes complaints", async () => {
    const root = await project();
    await mkdir(path.join(root, ".lettre"));
    const old = new DatabaseSync(path.join(root, ".lettre/lettre.db"));
    old.exec(`CREATE TABLE suppressions (
      email TEXT PRIMARY KEY,
      reason TEXT NOT NULL CHECK (reason IN ('unsubscribed', 'bounced')),
      detail TEXT,
      at TEXT NOT NULL
    ) STRICT;
    INSERT INTO suppressions VALUES ('a@exemple.fr', 'bounced', '550 no', '2026-01-01T00:00:00Z');`);
    old.close();
    const db = openDatabase(root);
    try {
      expect(db.prepare("SELECT * FROM suppressions").all()).toEqual([
        { email: "a@exemple.fr", reason: "bounced", detail: "550 no", at: "2026-01-01T00:00:00Z" },
      ]);
      importList(db, "l", "email\nb@exemple.fr\n", "l.csv");
      sent(db, "s1", ["b@exemple.fr"]);
      const outcome = recordReturned(
        db,
        {
          kind: "complaint",
          permanent: true,
          recipients: ["B@exemple.fr"],
          messageIds: [],
        },
        3,
      );
      expect(outcome).toBe("suppressed");
      expect(personRecord(db, "b@exemple.fr").suppression?.reason).toBe("complained");
      expect(returnedCounts(db, "s1", "l")).toEqual({ hard: 0, soft: 0, complaint: 1 });
    } finally {
      db.close();
    }
  });

  it("matches the send by Message-ID, counts a temporary bounce once per send, leaves strangers", async () => {
    const db = openDatabase(await project());
    try {
      importList(db, "l", "email\nx@exemple.fr\ny@exemple.fr\n", "l.csv");
      sent(db, "s1", ["x@exemple.fr", "y@exemple.fr"]);
      sent(db, "s2", ["x@exemple.fr", "y@exemple.fr"]);
      const soft = (slug: string) =>
        recordReturned(
          db,
          {
            kind: "bounce",
            permanent: false,
            recipients: ["x@exemple.fr"],
            messageIds: [`<${slug}.x@exemple.fr@lettre.test>`],
            detail: "4.2.2 full",
          },
          2,
        );
      // The first send's message, twice: one send.
      expect(soft("s1")).toBe("counted");
      expect(soft("s1")).toBe("counted");
      expect(personRecord(db, "x@exemple.fr").suppression).toBeUndefined();
      expect(returnedCounts(db, "s1", "l")).toEqual({ hard: 0, soft: 1, complaint: 0 });
      expect(returnedCounts(db, "s2", "l")).toEqual({ hard: 0, soft: 0, complaint: 0 });
      // The second send's: two sends, suppressed.
      expect(soft("s2")).toBe("suppressed");
      expect(personRecord(db, "x@exemple.fr").suppression).toMatchObject({
        reason: "bounced",
        detail: "2 temporary bounces: 4.2.2 full",
      });
      expect(returnedCounts(db, "s2", "l")).toEqual({ hard: 0, soft: 1, complaint: 0 });
      const stranger = recordReturned(
        db,
        {
          kind: "bounce",
          permanent: true,
          recipients: ["z@ailleurs.fr"],
          messageIds: [],
        },
        2,
      );
      expect(stranger).toBe("not-ours");
      expect(personRecord(db, "z@ailleurs.fr").suppression).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it("acts once per key, and records nothing for what it left alone", async () => {
    const db = openDatabase(await project());
    try {
      let calls = 0;
      const act = () => {
        calls++;
        return "suppressed" as const;
      };
      expect(actOnce(db, "mail:1", "bounce", act)).toEqual({
        outcome: "suppressed",
        already: false,
      });
      expect(actOnce(db, "mail:1", "bounce", act)).toEqual({
        outcome: "suppressed",
        already: true,
      });
      expect(calls).toBe(1);
      expect(actOnce(db, "mail:2", "bounce", () => "not-ours")).toEqual({
        outcome: "not-ours",
        already: false,
      });
      expect(actOnce(db, "mail:2", "bounce", () => "not-ours").already).toBe(false);
      // A failure inside rolls back the change and the key together.
      expect(() =>
        actOnce(db, "mail:3", "bounce", () => {
          importList(db, "l", "email\nw@exemple.fr\n", "l.csv");
          throw new Error("killed");
        }),
      ).toThrow("killed");
      expect(db.prepare("SELECT COUNT(*) AS n FROM subscribers").get()).toEqual({ n: 0 });
      expect(actOnce(db, "mail:3", "bounce", () => "counted").already).toBe(false);
    } finally {
      db.close();
    }
  });

  it("matches an SES notification by the id lettre send recorded", async () => {
    const db = openDatabase(await project());
    try {
      importList(db, "l", "email\nses@exemple.fr\n", "l.csv");
      sent(db, "s1", ["ses@exemple.fr"], "SES <0102abc-def@eu-west-3.amazonses.com>");
      expect(db.prepare("SELECT provider_id FROM journal").get()).toEqual({
        provider_id: "0102abc-def",
      });
      const event = {
        kind: "bounce" as const,
        permanent: true,
        recipients: ["ses@exemple.fr"],
        sesMessageId: "0102abc-def",
        feedbackId: "fb-1",
        status: "5.1.1",
        diagnostic: "smtp; 550 5.1.1 user unknown",
      };
      expect(actOnProviderEvent(db, event, { softBounces: 3 })).toEqual({
        outcome: "suppressed",
        already: false,
      });
      // SNS delivers at least once: the same feedback again changes nothing.
      expect(actOnProviderEvent(db, event, { softBounces: 3 }).already).toBe(true);
      expect(returnedCounts(db, "s1", "l")).toEqual({ hard: 1, soft: 0, complaint: 0 });
      const trail = personRecord(db, "ses@exemple.fr").events.filter((e) => e.by === "bounce");
      expect(trail).toHaveLength(1);
      expect(trail[0]?.detail).toBe("s1/l: 5.1.1 smtp; 550 5.1.1 user unknown");
    } finally {
      db.close();
    }
  });

  it("acts on each recipient of a report as it failed: one for good, one for now", async () => {
    const db = openDatabase(await project());
    try {
      importList(db, "l", "email\ngone@exemple.fr\nfull@exemple.fr\n", "l.csv");
      sent(db, "s1", ["gone@exemple.fr", "full@exemple.fr"]);
      const raw = Buffer.from(
        [
          "From: MAILER-DAEMON@mx.exemple.fr",
          "To: lettre@datalab-normandie.fr",
          "Subject: Undelivered Mail Returned to Sender",
          'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
          "",
          "--b",
          "Content-Type: text/plain",
          "",
          "Two recipients failed.",
          "--b",
          "Content-Type: message/delivery-status",
          "",
          "Reporting-MTA: dns; mx.exemple.fr",
          "",
          "Final-Recipient: rfc822; gone@exemple.fr",
          "Action: failed",
          "Status: 5.1.1",
          "",
          // Given up after the queue's lifetime, still with a temporary status (Postfix does).
          "Final-Recipient: rfc822; full@exemple.fr",
          "Action: failed",
          "Status: 4.2.2",
          "",
          "--b--",
          "",
        ].join("\r\n"),
      );
      const report = await classifyMessage(raw);
      expect(report).toMatchObject({ kind: "bounce", permanent: false });
      const acted = actOnReport(db, messageKey(raw), report, { softBounces: 3, secret: undefined });
      expect(acted).toEqual({ outcome: "suppressed", already: false });
      expect(personRecord(db, "gone@exemple.fr").suppression?.reason).toBe("bounced");
      expect(personRecord(db, "full@exemple.fr").suppression).toBeUndefined();
      expect(returnedCounts(db, "s1", "l")).toEqual({ hard: 1, soft: 1, complaint: 0 });
    } finally {
      db.close();
    }
  });

  it("acts only on what is about lettre's own mail, and never weakens a suppression", async () => {
    const db = openDatabase(await project());
    try {
      importList(db, "l", "email\nv@exemple.fr\nw@exemple.fr\nu@exemple.fr\n", "l.csv");
      sent(
        db,
        "s1",
        ["v@exemple.fr", "w@exemple.fr", "u@exemple.fr"],
        "SES <id-1@eu-west-3.amazonses.com>",
      );
      const hard = (fields: Partial<Parameters<typeof recordReturned>[1]>) =>
        recordReturned(
          db,
          { kind: "bounce", permanent: true, recipients: [], messageIds: [], ...fields },
          3,
        );
      // A subscriber's address, but the bounce of someone else's message (the editor's own).
      expect(hard({ recipients: ["v@exemple.fr"], messageIds: ["<perso@editeur.fr>"] })).toBe(
        "not-ours",
      );
      // lettre's Message-ID to v, but a report naming someone else (a reply quoting one).
      expect(
        hard({ recipients: ["bob@corp.example"], messageIds: ["<s1.v@exemple.fr@lettre.test>"] }),
      ).toBe("not-ours");
      // An SES id lettre never recorded: not ours either, whoever it names.
      expect(hard({ recipients: ["v@exemple.fr"], providerId: "id-unknown" })).toBe("not-ours");
      expect(personRecord(db, "v@exemple.fr").suppression).toBeUndefined();
      // A complaint whose address the feedback loop redacted: found by lettre's Message-ID.
      const complained = recordReturned(
        db,
        {
          kind: "complaint",
          permanent: true,
          recipients: [],
          messageIds: ["<s1.w@exemple.fr@lettre.test>"],
        },
        3,
      );
      expect(complained).toBe("suppressed");
      expect(personRecord(db, "w@exemple.fr").suppression?.reason).toBe("complained");
      // A later bounce does not turn a complaint (or an unsubscribe) into a mere bounce.
      expect(hard({ recipients: ["w@exemple.fr"] })).toBe("suppressed");
      expect(personRecord(db, "w@exemple.fr").suppression?.reason).toBe("complained");
      unsubscribe(db, "u@exemple.fr");
      expect(hard({ recipients: ["u@exemple.fr"] })).toBe("suppressed");
      expect(personRecord(db, "u@exemple.fr").suppression?.reason).toBe("unsubscribed");
    } finally {
      db.close();
    }
  });

  it("a delay warning is noted (moved out of the way), never counted as a bounce", async () => {
    const db = openDatabase(await project());
    try {
      importList(db, "l", "email\ngrey@exemple.fr\n", "l.csv");
      sent(db, "s1", ["grey@exemple.fr"]);
      const warning = (to: string) =>
        Buffer.from(
          [
            "From: MAILER-DAEMON@mx.exemple.fr",
            "Subject: Delayed Mail (still being retried)",
            'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
            "",
            "--b",
            "Content-Type: message/delivery-status",
            "",
            "Reporting-MTA: dns; mx.exemple.fr",
            "",
            `Final-Recipient: rfc822; ${to}`,
            "Action: delayed",
            "Status: 4.7.1",
            "Diagnostic-Code: smtp; 450 4.7.1 greylisted, try again later",
            "",
            "--b--",
            "",
          ].join("\r\n"),
        );
      const settings = { softBounces: 1, secret: undefined };
      const ours = warning("grey@exemple.fr");
      expect(actOnReport(db, messageKey(ours), await classifyMessage(ours), settings)).toEqual({
        outcome: "noted",
        already: false,
      });
      expect(personRecord(db, "grey@exemple.fr").suppression).toBeUndefined();
      expect(returnedCounts(db, "s1", "l")).toEqual({ hard: 0, soft: 0, complaint: 0 });
      // About an address lettre never sent to: not ours, left in the mailbox.
      const other = warning("ami@ailleurs.fr");
      expect(actOnReport(db, messageKey(other), await classifyMessage(other), settings)).toEqual({
        outcome: "not-ours",
        already: false,
      });
    } finally {
      db.close();
    }
  });
});
