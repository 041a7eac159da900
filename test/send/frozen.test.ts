import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { lettre, run } from "../cli.ts";
import { put, read } from "../helpers.ts";
import { sendingProject } from "./project.ts";
import { startSmtp } from "./smtp.ts";

const ISSUE = "newsletters/2025-s2.md";
const TITLE = "L'IA au cœur des territoires";
const RECIPIENTS = 24;

describe("an issue edited between a killed send and its resume", () => {
  it("the rest of the list gets the version the first recipients got, and the editor is told", async () => {
    const { root } = await sendingProject(RECIPIENTS, 2);
    const server = await startSmtp({ delayMs: 60 });
    try {
      const args = ["send", "2025-s2", "--list", "l", "--yes", "--transport", server.url];
      let killed = false;
      const first = lettre(root, args);
      const watch = setInterval(() => {
        if (!killed && server.received.length >= 4) {
          killed = true;
          first.child.kill("SIGKILL");
        }
      }, 2);
      const crashed = await first.done;
      clearInterval(watch);
      expect(crashed.signal).toBe("SIGKILL");
      const before = server.received.length;
      expect(before).toBeLessThan(RECIPIENTS);
      const original = server.received[0]?.mail;
      expect(original?.subject).toBe(TITLE);
      expect(original?.text).toContain("Un semestre riche en événements.");

      // The editor fixes the title and the introduction, then resumes.
      const source = await read(root, ISSUE);
      await put(
        root,
        ISSUE,
        source
          .replace(`title: ${TITLE}`, "title: Titre corrigé après coup")
          .replace("Un semestre riche en événements.", "Un semestre réécrit entre-temps."),
      );

      const dry = await run(root, "send", "2025-s2", "--list", "l", "--dry-run");
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain(`« ${TITLE} » → liste « l »`);
      expect(dry.stderr).toContain(
        "attention : la lettre a changé (titre et contenu modifiés) depuis le début de son envoi à la liste « l » (version figée le ",
      );
      expect(dry.stderr).toContain(
        "--dry-run : rien n'est envoyé ; un envoi réel enverrait la version figée le ",
      );

      const resumed = await lettre(root, args).done;
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stderr).toContain(
        "la suite de l'envoi utilise la version figée, pas la version modifiée",
      );
      expect(resumed.stderr).toContain("--yes : envoi de la version figée le ");
      const rest = server.received.slice(before);
      expect(rest.length).toBeGreaterThan(0);
      for (const { mail } of rest) {
        expect(mail.subject).toBe(TITLE);
        expect(mail.text).toContain("Un semestre riche en événements.");
        expect(mail.text).not.toContain("réécrit");
        expect(String(mail.html)).not.toContain("réécrit");
      }
      // Nobody got two versions, nobody got the issue twice.
      expect(new Set(server.received.map((r) => r.to)).size).toBe(server.received.length);

      const status = await run(root, "send", "status", "2025-s2");
      expect(status.stdout).toMatch(/\n {2}version envoyée : figée le .+ \(au premier envoi\)\n/);
      const journal = new DatabaseSync(path.join(root, ".lettre/lettre.db"), { readOnly: true });
      const edition = journal.prepare("SELECT subject, length(hash) AS n FROM editions").all();
      journal.close();
      expect(edition).toEqual([{ subject: TITLE, n: 64 }]);
    } finally {
      await server.close();
    }
  }, 60_000);
});
