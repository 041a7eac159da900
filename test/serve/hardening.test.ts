import { readFile } from "node:fs/promises";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { mailboxKey } from "../../src/core/address.ts";
import { importList } from "../../src/send/lists.ts";
import {
  closeDatabase,
  confirmSignup,
  DATABASE_FILE,
  expireSignups,
  forgetPerson,
  openDatabase,
  personRecord,
  recipients,
  recordPending,
  recordSignup,
  removeFromList,
  runJournal,
  unsubscribeFromList,
} from "../../src/send/store.ts";
import { unsubscribeToken } from "../../src/send/token.ts";
import { rateKey, type Serving, startServer } from "../../src/serve/index.ts";
import { fixtureProject, makeProject } from "../helpers.ts";

const SECRET = "hardening-test-secret-0123456789-abcdefgh";
let serving: Serving | undefined;
afterEach(async () => {
  await serving?.close();
  serving = undefined;
});

async function withDb<T>(work: (db: DatabaseSync, root: string) => T | Promise<T>) {
  const root = await makeProject();
  const db = openDatabase(root);
  try {
    return await work(db, root);
  } finally {
    closeDatabase(db);
  }
}

const signup = (email: string, lists: string[], fields: Record<string, string> = {}) => ({
  id: `id-${email}-${lists.join()}`,
  email,
  address: email,
  lists,
  fields,
  lang: "fr",
  page: null,
  consent: "texte",
  ip: null,
  asked: "2026-01-01T00:00:00.000Z",
});

describe("the reader side keeps its promises", () => {
  it("keeps a per-list unsubscribe through `list remove` and a re-import", () =>
    withDb((db) => {
      importList(db, "lecteurs", "email\nann@example.org\nbob@example.org\n", "l.csv");
      unsubscribeFromList(db, "lecteurs", "ann@example.org", "one-click");
      expect(removeFromList(db, "lecteurs", "ann@example.org")).toBe(0);
      expect(removeFromList(db, "lecteurs")).toBe(1);
      importList(db, "lecteurs", "email\nann@example.org\nbob@example.org\n", "l.csv");
      expect(recipients(db, "lecteurs").map((r) => r.email)).toEqual(["bob@example.org"]);
    }));

  it("opens the database while another program writes, without waiting for it", () =>
    withDb((db, root) => {
      const other = new DatabaseSync(path.join(root, DATABASE_FILE));
      other.exec("BEGIN IMMEDIATE");
      try {
        const started = performance.now();
        const reader = openDatabase(root);
        expect(performance.now() - started).toBeLessThan(1000);
        closeDatabase(reader);
      } finally {
        other.exec("ROLLBACK");
        other.close();
      }
      void db;
    }));

  it("erases a person everywhere, the database file included", () =>
    withDb(async (db, root) => {
      const email = "gone.person@example.org";
      importList(db, "lecteurs", `email;prénom\n${email};Gaston\n`, "l.csv");
      recordPending(db, "2026-s1", "lecteurs", [{ email, messageId: "<m@x>" }]);
      const journal = runJournal(db, "2026-s1", "lecteurs");
      journal.claimRecipient(email);
      journal.markRefused(email, 550, `Rejected ${email}`);
      expect(forgetPerson(db, email)).toMatchObject({ complete: true });
      expect(forgetPerson(db, email).rows).toBe(0);
      const bytes = await readFile(path.join(root, DATABASE_FILE));
      expect(bytes.includes(Buffer.from("gone.person"))).toBe(false);
      expect(bytes.includes(Buffer.from("Gaston"))).toBe(false);
      const wal = await readFile(path.join(root, `${DATABASE_FILE}-wal`)).catch(() =>
        Buffer.alloc(0),
      );
      expect(wal.includes(Buffer.from("gone.person"))).toBe(false);
      // Still never sent to, never imported again.
      importList(db, "lecteurs", `email\n${email}\n`, "l.csv");
      expect(recipients(db, "lecteurs")).toEqual([]);
    }));

  it("keeps nothing of a sign-up never confirmed, and merges fields on confirmation", () =>
    withDb((db) => {
      recordSignup(db, signup("stranger@example.org", ["lecteurs"]));
      expect(expireSignups(db, "2026-02-01T00:00:00.000Z")).toBe(1);
      expect(personRecord(db, "stranger@example.org")).toMatchObject({
        subscriptions: [],
        signups: [],
        events: [],
      });

      const marie = "marie@example.org";
      importList(db, "lecteurs", `email;prénom;organisation\n${marie};Marie;Région\n`, "l.csv");
      recordSignup(db, signup(marie, ["lecteurs"], { lastName: "Curie" }));
      expect(confirmSignup(db, `id-${marie}-lecteurs`)).toBe(true);
      expect(personRecord(db, marie).subscriptions).toMatchObject([
        {
          list: "lecteurs",
          status: "subscribed",
          source: "import:l.csv",
          fields: { firstName: "Marie", lastName: "Curie", organization: "Région" },
        },
      ]);
    }));

  it("counts one mailbox however it is spelt, and an IPv6 subscriber by its /64", () => {
    const one = mailboxKey("victim@gmail.com");
    for (const spelling of [
      "Victim+1@gmail.com",
      "v.ictim@gmail.com",
      "vi.ctim+x@googlemail.com",
      "VICTIM@GMAIL.COM",
    ]) {
      expect(mailboxKey(spelling)).toBe(one);
    }
    expect(mailboxKey("jean.dupont+lettre@exemple.fr")).toBe("jean.dupont@exemple.fr");
    expect(rateKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(rateKey("2001:db8:1:2:bbbb:cccc:dddd:eeee")).toBe("2001:db8:1:2::/64");
    expect(rateKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(rateKey("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(rateKey("192.0.2.7")).toBe("192.0.2.7");
  });

  it("answers a busy database with a plain 503 page, writes nothing for an erased address", async () => {
    const root = await fixtureProject("archive");
    const db = openDatabase(root);
    importList(db, "lecteurs", "email\nann@example.org\ngone@example.org\n", "l.csv");
    forgetPerson(db, "gone@example.org");
    closeDatabase(db);
    serving = await startServer({ root, port: 0, host: "127.0.0.1", secret: SECRET, lang: "fr" });
    const oneClick = (email: string) =>
      fetch(`${serving?.url}unsubscribe?t=${unsubscribeToken(SECRET, "lecteurs", email)}`, {
        method: "POST",
        body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }),
      });

    expect((await oneClick("gone@example.org")).status).toBe(200);
    const check = openDatabase(root);
    expect(personRecord(check, "gone@example.org")).toMatchObject({
      subscriptions: [],
      events: [],
    });
    closeDatabase(check);

    const other = new DatabaseSync(path.join(root, DATABASE_FILE));
    other.exec("BEGIN IMMEDIATE");
    try {
      const busy = await oneClick("ann@example.org");
      expect(busy.status).toBe(503);
      expect(busy.headers.get("retry-after")).toBe("30");
      const text = await busy.text();
      expect(text).toContain("Service momentanément indisponible");
      expect(text).not.toMatch(/at .*\.ts:\d+/);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect((await oneClick("ann@example.org")).status).toBe(200);
  }, 30_000);
});
