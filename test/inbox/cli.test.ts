/**
 * `lettre inbox` when it cannot work: each case says what to fix, in one line, exit 1 (2 for
 * a wrong command line), never a stack trace.
 */
import { describe, expect, it } from "vitest";
import { lettre } from "../cli.ts";
import { makeProject, put, read } from "../helpers.ts";
import { freePort } from "../serve/load.ts";

async function withInbox(imap: string) {
  const root = await makeProject();
  await put(
    root,
    "lettre.config.yaml",
    `${(await read(root, "lettre.config.yaml")).trimEnd()}\ninbox:\n  imap:\n${imap}`,
  );
  return root;
}

describe("lettre inbox, when it cannot work", () => {
  it("names the missing mailbox, password, or an unencrypted connection elsewhere", async () => {
    const none = await lettre(await makeProject(), ["inbox"]).done;
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("ajoutez inbox.imap (host, user) à lettre.config.yaml");

    const root = await withInbox(
      "    host: imap.exemple.fr\n    user: retours\n    security: none\n",
    );
    const noPassword = await lettre(root, ["inbox"]).done;
    expect(noPassword.code).toBe(1);
    expect(noPassword.stderr).toContain("LETTRE_IMAP_PASSWORD n'est pas défini");

    const plain = await lettre(root, ["inbox"], { env: { LETTRE_IMAP_PASSWORD: "x" } }).done;
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain("pour imap.exemple.fr, choisissez tls ou starttls");
    expect(plain.stderr).not.toMatch(/\n\s+at /);
  });

  it("says which server did not answer", async () => {
    const port = await freePort();
    const root = await withInbox(
      `    host: 127.0.0.1\n    port: ${port}\n    user: retours\n    security: none\n`,
    );
    const refused = await lettre(root, ["inbox"], { env: { LETTRE_IMAP_PASSWORD: "x" } }).done;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /se connecter à la boîte des retours 127\.0\.0\.1 : .*ECONNREFUSED/,
    );
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  });

  it("a config error names its line; a wrong command line is exit 2", async () => {
    const root = await withInbox(
      "    host: imap.exemple.fr\n    user: retours\n    security: clair\n",
    );
    const bad = await lettre(root, ["inbox"], { env: { LETTRE_IMAP_PASSWORD: "x" } }).done;
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/lettre\.config\.yaml:\d+/);
    expect(bad.stderr).toContain("security");
    const usage = await lettre(root, ["inbox", "trier"]).done;
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("lettre inbox classify <fichier.eml>");
  });
});
