import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { lettre } from "../cli.ts";
import { sendingProject } from "./project.ts";
import { startSmtp } from "./smtp.ts";

const PASSWORD = "mot-de-passe-du-relais-42";

/**
 * A server with a user name in its URL gets the password only over an encrypted connection
 * (smtps://, or STARTTLS required). 127.0.0.2 is loopback too, but not one of the three names
 * exempted for local test servers (127.0.0.1, localhost, ::1): it stands for any server.
 */
describe("the SMTP password never travels in clear", () => {
  it("a server without STARTTLS: the send stops before logging in, nobody is suppressed", async () => {
    const { root, emails } = await sendingProject(3, 1);
    const server = await startSmtp({}, { host: "127.0.0.2" });
    try {
      const transport = `smtp://relais@127.0.0.2:${server.port}`;
      const args = ["send", "2025-s2", "--list", "l", "--yes", "--transport", transport];
      const result = await lettre(root, args, { env: { LETTRE_SMTP_PASSWORD: PASSWORD } }).done;
      expect(server.logins).toEqual([]);
      expect(server.received).toEqual([]);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain("envoi arrêté : le serveur smtp://127.0.0.2:");
      expect(result.stderr).toContain(
        "ne chiffre pas la connexion (pas de STARTTLS) : lettre ne lui a pas envoyé le mot de passe",
      );
      expect(result.stderr).toContain("smtps://");
      expect(result.stderr).not.toContain(PASSWORD);
      expect(result.stderr).not.toContain("erreur interne");

      // The whole send is wrong, not the recipients: all still to send, nobody suppressed.
      const db = new DatabaseSync(path.join(root, ".lettre/lettre.db"), { readOnly: true });
      const suppressed = db.prepare("SELECT COUNT(*) AS n FROM suppressions").get();
      const statuses = db.prepare("SELECT DISTINCT status FROM journal").all();
      db.close();
      expect(suppressed).toEqual({ n: 0 });
      expect(statuses).toEqual([{ status: "pending" }]);
      const status = await lettre(root, ["send", "status", "2025-s2"]).done;
      expect(status.stdout).toContain(
        `0 envoyé(s), 0 en échec, 0 différé(s), 0 incertain(s), ${emails.length} restant(s)`,
      );

      // A --test copy is refused the same way.
      const test = await lettre(
        root,
        ["send", "2025-s2", "--test", "moi@exemple.fr", "--transport", transport],
        {
          env: { LETTRE_SMTP_PASSWORD: PASSWORD },
        },
      ).done;
      expect(test.code, test.stderr).toBe(1);
      expect(test.stderr).toContain("lettre ne lui a pas envoyé le mot de passe");
      expect(server.logins).toEqual([]);
    } finally {
      await server.close();
    }
  }, 60_000);

  it("127.0.0.1, a local test relay, is the exemption: the login goes through", async () => {
    const { root } = await sendingProject(2, 1);
    const server = await startSmtp();
    try {
      const transport = `smtp://relais@127.0.0.1:${server.port}`;
      const args = ["send", "2025-s2", "--list", "l", "--yes", "--transport", transport];
      const result = await lettre(root, args, { env: { LETTRE_SMTP_PASSWORD: PASSWORD } }).done;
      expect(result.code, result.stderr).toBe(0);
      expect(server.received).toHaveLength(2);
      expect(server.logins[0]).toEqual({ username: "relais", password: PASSWORD, secure: false });
    } finally {
      await server.close();
    }
  }, 60_000);

  it("a certificate that does not hold: the send stops at once, said as such, not retried", async () => {
    const { root, emails } = await sendingProject(3, 1);
    // Offers STARTTLS with smtp-server's own certificate, which no client can trust.
    const server = await startSmtp({}, { host: "127.0.0.2", starttls: true });
    try {
      const transport = `smtp://127.0.0.2:${server.port}`;
      const args = ["send", "2025-s2", "--list", "l", "--yes", "--transport", transport];
      const result = await lettre(root, args).done;
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`envoi arrêté : le certificat du serveur ${transport}`);
      expect(result.stderr).not.toContain("n'a pas pu être joint");
      expect(server.received).toEqual([]);
      const status = await lettre(root, ["send", "status", "2025-s2"]).done;
      expect(status.stdout).toContain(
        `0 envoyé(s), 0 en échec, 0 différé(s), 0 incertain(s), ${emails.length} restant(s)`,
      );
      const test = await lettre(root, [
        "send",
        "2025-s2",
        "--test",
        "moi@exemple.fr",
        "--transport",
        transport,
      ]).done;
      expect(test.code).toBe(1);
      expect(test.stderr).toContain("le certificat du serveur");
    } finally {
      await server.close();
    }
  }, 60_000);
});
