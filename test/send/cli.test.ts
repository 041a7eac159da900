import { readdir } from "node:fs/promises";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { lettre, run } from "../cli.ts";
import { fixtureProject, put, read } from "../helpers.ts";
import { startSmtp } from "./smtp.ts";

describe("lettre list and lettre send, the whole path", () => {
  it("imports, test-sends, dry-runs, asks, sends to the outbox, reports and honours unsubscribes", async () => {
    const root = await fixtureProject("archive");
    await put(
      root,
      "abonnes.csv",
      "Prénom;Courriel\nMarie;marie@exemple.fr\nPaul;paul@exemple.fr\nZoé;zoe@exemple.fr\n",
    );
    expect((await run(root, "list", "import", "partenaires", "abonnes.csv")).stdout).toContain(
      "liste « partenaires » : 3 ajoutée(s)",
    );
    const unsub = await run(root, "list", "unsubscribe", "Zoe@exemple.fr");
    expect(unsub.stdout).toContain("Zoe@exemple.fr est désinscrit");

    const test = await run(root, "send", "2025-s2", "--test", "moi@exemple.fr");
    expect(test.stdout).toMatch(/^copie de test envoyée à moi@exemple\.fr/);
    const dry = await run(root, "send", "2025-s2", "--list", "partenaires", "--dry-run");
    expect(dry.stdout).toContain(
      "2 destinataire(s) (1 exclu(s) : désinscrits, en erreur ou pas encore confirmés), 0 déjà envoyé(s), 2 à envoyer",
    );
    const db = () => new DatabaseSync(path.join(root, ".lettre/lettre.db"), { readOnly: true });
    const journalRows = () => {
      const d = db();
      const n = (d.prepare("SELECT COUNT(*) AS n FROM journal").get() as { n: number }).n;
      d.close();
      return n;
    };
    expect(journalRows()).toBe(0);

    const unconfirmed = await run(root, "send", "2025-s2", "--list", "partenaires");
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("relancez avec --yes");
    expect(journalRows()).toBe(0);

    const sent = await run(root, "send", "2025-s2", "--list", "partenaires", "--yes");
    expect(sent.code).toBe(0);
    expect(sent.stdout).toContain(
      "liste « partenaires » : 2 envoyé(s), 0 en échec, 0 différé(s), 0 incertain(s), 0 restant(s)",
    );
    expect((await readdir(path.join(root, "outbox"))).length).toBe(3); // 2 + the test copy

    const csv = await run(root, "send", "status", "2025-s2", "--csv");
    expect(csv.stdout).toMatch(
      /^list;sent;failed;deferred;unknown;sending;pending;remaining;frozen_at;bounced;soft_bounced;complained\npartenaires;2;0;0;0;0;0;0;\d{4}-\d\d-\d\dT[\d:.]+Z;0;0;0\n$/,
    );
    const again = await run(root, "send", "2025-s2", "--list", "partenaires", "--yes");
    expect(again.stdout).toContain("rien à envoyer");

    const draft = await run(root, "send", "secret", "--list", "partenaires", "--yes");
    expect(draft.code).toBe(1);
    expect(draft.stderr).toContain("« secret » est un brouillon");
  }, 60_000);

  it("stops cleanly on Ctrl-C after the messages in flight, and resumes", async () => {
    const root = await fixtureProject("archive");
    const config = await read(root, "lettre.config.yaml");
    await put(root, "lettre.config.yaml", `${config}\nsending:\n  connections: 2\n  rate: 1000\n`);
    const emails = Array.from({ length: 120 }, (_, i) => `p${i}@exemple.fr`);
    await put(root, "big.csv", `email\n${emails.join("\n")}\n`);
    await run(root, "list", "import", "big", "big.csv");
    const server = await startSmtp({ delayMs: 20 });
    try {
      const args = ["send", "2025-s2", "--list", "big", "--yes", "--transport", server.url];
      let stopped = false;
      const first = lettre(root, args, {
        onOutput: () => {
          if (!stopped && server.received.length >= 20) {
            stopped = true;
            first.child.kill("SIGINT");
          }
        },
      });
      const interval = setInterval(() => {
        if (!stopped && server.received.length >= 20) {
          stopped = true;
          first.child.kill("SIGINT");
        }
      }, 5);
      const result = await first.done;
      clearInterval(interval);
      expect(result.code).toBe(130);
      expect(result.stderr).toContain("envoi interrompu : relancez la même commande");
      const d = new DatabaseSync(path.join(root, ".lettre/lettre.db"), { readOnly: true });
      const byStatus = d.prepare("SELECT status, COUNT(*) AS n FROM journal GROUP BY status").all();
      d.close();
      expect(byStatus.find((r) => r.status === "sending")).toBeUndefined();
      const sentBefore = server.received.length;
      expect(sentBefore).toBeLessThan(120);

      const resumed = await lettre(root, args).done;
      expect(resumed.code).toBe(0);
      const counts = new Map<string, number>();
      for (const r of server.received) counts.set(r.to, (counts.get(r.to) ?? 0) + 1);
      expect(counts.size).toBe(120);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await server.close();
    }
  }, 60_000);
});
