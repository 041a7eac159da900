import { createServer } from "node:net";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { lettre } from "../cli.ts";
import { sendingProject } from "./project.ts";
import { startSmtp } from "./smtp.ts";

/** A loopback port nobody listens on: every connection to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once every recipient's first attempt has failed (deferred, to be retried). */
async function firstAttemptsFailed(root: string, count: number) {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    try {
      const db = new DatabaseSync(path.join(root, ".lettre/lettre.db"), { readOnly: true });
      const row = db
        .prepare("SELECT COUNT(*) AS n FROM journal WHERE status = 'deferred'")
        .get() as { n: number };
      db.close();
      if (row.n >= count) return;
    } catch {
      // Not created yet.
    }
  }
}

/**
 * An unreachable server: each message is retried with backoff for about a minute before it
 * counts as deferred. The editor who stops waiting (Ctrl-C) after the first attempts, or who
 * waits to the end, gets the same summary, then why.
 */
describe("deferred messages say why", () => {
  it("SMTP server unreachable: the reason with its count, and what to check", async () => {
    const { root } = await sendingProject(3, 3);
    const port = await closedPort();
    const transport = `smtp://127.0.0.1:${port}`;
    const send = lettre(root, [
      "send",
      "2025-s2",
      "--list",
      "l",
      "--yes",
      "--transport",
      transport,
    ]);
    await firstAttemptsFailed(root, 3);
    send.child.kill("SIGINT");
    const result = await send.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stdout).toContain("0 envoyé(s), 0 en échec, 3 différé(s)");
    expect(result.stderr).toContain(
      "cause(s) des 3 message(s) différé(s) ou en échec de cet envoi :\n" +
        `  3 différé(s) : connect ECONNREFUSED 127.0.0.1:${port}\n` +
        `le serveur smtp://127.0.0.1:${port} n'a pas pu être joint : vérifiez son adresse et son port`,
    );
    expect(result.stderr).toContain("votre connexion au réseau et le pare-feu");
    expect(result.stderr).toContain("la même commande relancée enverra les messages différés");

    // A test copy says the same at once, instead of an internal error.
    const test = await lettre(root, [
      "send",
      "2025-s2",
      "--test",
      "moi@exemple.fr",
      "--transport",
      transport,
    ]).done;
    expect(test.code, test.stderr).toBe(1);
    expect(test.stderr).toContain(
      `la copie de test pour moi@exemple.fr n'est pas partie : connect ECONNREFUSED 127.0.0.1:${port}\n` +
        `le serveur smtp://127.0.0.1:${port} n'a pas pu être joint`,
    );
    expect(test.stderr).not.toContain("erreur interne");
    // A test copy has no deferred messages to send later.
    expect(test.stderr).not.toContain("messages différés");
  }, 60_000);

  it("Amazon SES unreachable: the same, with what to check for SES", async () => {
    const { root } = await sendingProject(2, 2);
    const port = await closedPort();
    const env = {
      LETTRE_SES_ENDPOINT: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: "test-key",
      AWS_SECRET_ACCESS_KEY: "test-secret",
    };
    const args = ["send", "2025-s2", "--list", "l", "--yes", "--transport", "ses://eu-west-3"];
    const send = lettre(root, args, { env });
    await firstAttemptsFailed(root, 2);
    send.child.kill("SIGINT");
    const result = await send.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain(
      "cause(s) des 2 message(s) différé(s) ou en échec de cet envoi :\n  2 différé(s) : ",
    );
    expect(result.stderr).toContain("ECONNREFUSED");
    expect(result.stderr).toContain(
      "Amazon SES (ses://eu-west-3) n'a pas pu être joint : vérifiez la région, votre connexion au réseau et le pare-feu",
    );
  }, 60_000);

  it("addresses refused by the server: one reason for all, their addresses taken out", async () => {
    const { root } = await sendingProject(4, 2);
    const server = await startSmtp({
      rcpt: { "p1@exemple.fr": { code: 550 }, "p3@exemple.fr": { code: 550 } },
    });
    try {
      const args = ["send", "2025-s2", "--list", "l", "--yes", "--transport", server.url];
      const result = await lettre(root, args).done;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain("2 envoyé(s), 2 en échec, 0 différé(s)");
      expect(result.stderr).toContain(
        "cause(s) des 2 message(s) différé(s) ou en échec de cet envoi :\n" +
          "  2 en échec (adresse refusée, exclue des prochains envois) : 550 Rejected <…>\n",
      );
      expect(result.stderr).not.toContain("n'a pas pu être joint");
    } finally {
      await server.close();
    }
  }, 60_000);
});
