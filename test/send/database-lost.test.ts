import { existsSync, rmSync } from "node:fs";
import { rename } from "node:fs/promises";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { lettre } from "../cli.ts";
import { sendingProject } from "./project.ts";
import { startSmtp } from "./smtp.ts";

const CONNECTIONS = 2;
const RECIPIENTS = 30;

describe("the database deleted in the middle of a send", () => {
  it("stops at once, says so, saves the journal, and the saved journal resumes exactly", async () => {
    const { root, emails } = await sendingProject(RECIPIENTS, CONNECTIONS);
    const server = await startSmtp({ delayMs: 60 });
    try {
      const args = ["send", "2025-s2", "--list", "l", "--yes", "--transport", server.url];
      let receivedAtDeletion = -1;
      const first = lettre(root, args);
      const watch = setInterval(() => {
        if (receivedAtDeletion < 0 && server.received.length >= 5) {
          rmSync(path.join(root, ".lettre/lettre.db"));
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
      expect(existsSync(path.join(root, ".lettre/lettre.db"))).toBe(false);

      // Put back as the message says, the same command sends the rest exactly once.
      await rename(path.join(root, rescued ?? ""), path.join(root, ".lettre/lettre.db"));
      const resumed = await lettre(root, args).done;
      expect(resumed.code, resumed.stderr).toBe(0);
      const counts = new Map<string, number>();
      for (const r of server.received) counts.set(r.to, (counts.get(r.to) ?? 0) + 1);
      expect([...counts.keys()].sort()).toEqual([...emails].sort());
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await server.close();
    }
  }, 60_000);
});
