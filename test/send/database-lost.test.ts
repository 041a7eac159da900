import { copyFileSync, existsSync, rmSync } from "node:fs";
import { rename } from "node:fs/promises";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { importList } from "../../src/send/lists.ts";
import { closeDatabase, openDatabase, removeFromList } from "../../src/send/store.ts";
import { lettre } from "../cli.ts";
import { makeProject } from "../helpers.ts";
import { sendingProject } from "./project.ts";
import { startSmtp } from "./smtp.ts";

const CONNECTIONS = 2;
const RECIPIENTS = 30;

describe("the database deleted in the middle of a send", () => {
  it("stops at once, says so, saves the journal, and the saved journal resumes exactly", async () => {
    const { root, emails } = await sendingProject(RECIPIENTS, CONNECTIONS);
    const file = path.join(root, ".lettre/lettre.db");
    // A database that has lived: a big list imported then removed leaves free pages, which a
    // WAL left behind by the deleted file would corrupt once replayed onto the rescued copy.
    // The editor's order: a big list imported then removed, then the small one (imported
    // again here, so that its rows are written into the freed pages).
    const db = openDatabase(root);
    removeFromList(db, "l");
    const big = Array.from({ length: 50_000 }, (_, i) => `big${i}@exemple.fr;Prénom ${i}`);
    importList(db, "big", `email;prenom\n${big.join("\n")}\n`, "big.csv");
    removeFromList(db, "big");
    importList(db, "l", `email\n${emails.join("\n")}\n`, "l.csv");
    db.close();
    const probe = new DatabaseSync(file, { readOnly: true });
    const { freelist_count: freePages } = probe.prepare("PRAGMA freelist_count").get() as {
      freelist_count: number;
    };
    probe.close();
    expect(freePages).toBeGreaterThan(100);

    const server = await startSmtp({ delayMs: 60 });
    try {
      const args = ["send", "2025-s2", "--list", "l", "--yes", "--transport", server.url];
      let receivedAtDeletion = -1;
      const first = lettre(root, args);
      const watch = setInterval(() => {
        if (receivedAtDeletion < 0 && server.received.length >= 5) {
          rmSync(file);
          receivedAtDeletion = server.received.length;
        }
      }, 2);
      const result = await first.done;
      clearInterval(watch);
      expect(receivedAtDeletion).toBeGreaterThan(0);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(
        "envoi arrêté : la base .lettre/lettre.db a été supprimée ou remplacée pendant l'envoi ; ce que cet envoi a fait",
      );
      // Only the messages already in flight went out after the deletion.
      expect(server.received.length - receivedAtDeletion).toBeLessThanOrEqual(CONNECTIONS);
      expect(server.received.length).toBeLessThan(RECIPIENTS);

      // The journal of the run was saved beside it, with every message that went out.
      const rescued = /lettre a sauvé le journal à jour dans (\S+) :/.exec(result.stderr)?.[1];
      expect(rescued).toMatch(/^\.lettre\/lettre-rescued-.*\.db$/);
      const saved = new DatabaseSync(path.join(root, rescued ?? ""), { readOnly: true });
      const sent = saved
        .prepare("SELECT email FROM journal WHERE status = 'sent' ORDER BY email")
        .all()
        .map((r) => r.email);
      saved.close();
      expect(sent).toEqual(server.received.map((r) => r.to).sort());
      expect(existsSync(file)).toBe(false);
      // The deleted database's write-ahead log and index are gone with it: left there, SQLite
      // would replay them onto whatever is put back at .lettre/lettre.db.
      expect(existsSync(`${file}-wal`)).toBe(false);
      expect(existsSync(`${file}-shm`)).toBe(false);
      expect(result.stderr).toContain("lettre.db-wal");

      // Put back as the message says, the same command sends the rest exactly once.
      await rename(path.join(root, rescued ?? ""), file);
      const resumed = await lettre(root, args).done;
      expect(resumed.code, resumed.stderr).toBe(0);
      const check = new DatabaseSync(file, { readOnly: true });
      const integrity = check.prepare("PRAGMA integrity_check").all();
      check.close();
      expect(integrity).toEqual([{ integrity_check: "ok" }]);
      const counts = new Map<string, number>();
      for (const r of server.received) counts.set(r.to, (counts.get(r.to) ?? 0) + 1);
      expect([...counts.keys()].sort()).toEqual([...emails].sort());
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await server.close();
    }
  }, 60_000);

  it("another file in its place: its -wal and -shm may be that file's own, they are left", async () => {
    const root = await makeProject();
    const file = path.join(root, ".lettre/lettre.db");
    const first = openDatabase(root);
    first.close();
    copyFileSync(file, path.join(root, "backup.db"));
    const db = openDatabase(root);
    importList(db, "l", "email\na@exemple.fr\n", "l.csv");
    expect(existsSync(`${file}-wal`)).toBe(true);
    await rename(path.join(root, "backup.db"), file);
    const closed = closeDatabase(db);
    expect(closed.at).toBe("replaced");
    expect(closed.removed).toEqual([]);
    expect(closed.left).toEqual([".lettre/lettre.db-wal", ".lettre/lettre.db-shm"]);
    expect(existsSync(`${file}-wal`)).toBe(true);
    expect(existsSync(`${file}-shm`)).toBe(true);
  });
});
