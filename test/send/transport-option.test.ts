import { readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseTransport } from "../../src/send/transport-url.ts";
import { run } from "../cli.ts";
import { fixtureProject, put, read } from "../helpers.ts";

describe("a mistyped transport", () => {
  it("on the command line: says which forms are accepted and which was meant (exit 2)", async () => {
    const root = await fixtureProject("archive");
    const cases: [string, string][] = [
      ["smpt://x", "(vouliez-vous dire « smtp://x » ?)"],
      ["outbox", "(vouliez-vous dire « outbox:outbox » ?)"],
      ["ses://nowhere", "donnez une région AWS après ses://, par exemple ses://eu-west-3"],
    ];
    for (const [value, expected] of cases) {
      const result = await run(root, "send", "2025-s2", "--list", "l", "--transport", value);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`option --transport : transport « ${value} »`);
      expect(result.stderr).toContain(expected);
      expect(result.stderr).not.toContain("erreur interne");
    }
    const smpt = await run(root, "send", "2025-s2", "--list", "l", "--transport", "smpt://x");
    expect(smpt.stderr).toContain(
      "formes acceptées : outbox:<dossier> (fichiers .eml), smtp://hôte:port, smtps://utilisateur@hôte:port, ses://<région AWS>",
    );
  });

  it("in lettre.config.yaml: reported at its line by check and send (exit 1)", async () => {
    const root = await fixtureProject("archive");
    const config = await read(root, "lettre.config.yaml");
    const line = config.trimEnd().split("\n").length + 3;
    await put(
      root,
      "lettre.config.yaml",
      `${config.trimEnd()}\nsending:\n  connections: 2\n  transport: smpt://mail.example.org:587\n`,
    );
    const where = `lettre.config.yaml:${line}: sending.transport: transport « smpt://mail.example.org:587 » non reconnu (vouliez-vous dire « smtp://mail.example.org:587 » ?)`;
    const check = await run(root, "check");
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(where);
    const send = await run(root, "send", "2025-s2", "--list", "l", "--yes");
    expect(send.code).toBe(1);
    expect(send.stderr).toContain(where);
    expect(send.stderr).not.toContain("erreur interne");
  });

  it("a DKIM signature configured without its key: a clear message, not an internal error", async () => {
    const root = await fixtureProject("archive");
    const config = await read(root, "lettre.config.yaml");
    await put(
      root,
      "lettre.config.yaml",
      `${config.trimEnd()}\nsending:\n  dkim: { domain: exemple.fr, selector: lettre }\n`,
    );
    const send = await run(root, "send", "2025-s2", "--test", "moi@exemple.fr");
    expect(send.code).toBe(1);
    expect(send.stderr).toContain(
      "envoi impossible : sending.dkim est configuré mais la clé privée manque",
    );
    expect(send.stderr).not.toContain("erreur interne");
  });
});

describe("a transport written another way", () => {
  it("is read the same by the check and by the send: case and blanks do not turn it into SMTP", async () => {
    expect(parseTransport(" OUTBOX:sortie ")).toEqual({ kind: "outbox", folder: "sortie" });
    expect(parseTransport("Ses://eu-west-3")).toEqual({ kind: "ses", region: "eu-west-3" });
    const smtp = parseTransport("SMTPS://lettre@mail.example.org:465");
    expect("url" in smtp && smtp.url.href).toBe("smtps://lettre@mail.example.org:465");

    const root = await fixtureProject("archive");
    await put(root, "abonnes.csv", "email\nmarie@exemple.fr\n");
    expect((await run(root, "list", "import", "l", "abonnes.csv")).code).toBe(0);
    const sent = await run(
      root,
      "send",
      "2025-s2",
      "--list",
      "l",
      "--yes",
      "--transport",
      "OUTBOX:sortie",
    );
    expect(sent.code, sent.stderr).toBe(0);
    expect(await readdir(path.join(root, "sortie"))).toHaveLength(1);
  });
});
