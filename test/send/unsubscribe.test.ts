/**
 * An unsubscribe request that reaches the editor (the mail the List-Unsubscribe mailto sends,
 * or the link a reader forwards) is acted on with `lettre list unsubscribe`, which reads the
 * opaque token back with the secret. Nothing else than a token made with that secret
 * unsubscribes anyone.
 */
import { afterEach, describe, expect, it } from "vitest";
import { PREVIEW_SECRET, unsubscribeToken } from "../../src/send/token.ts";
import { lettre } from "../cli.ts";
import { fixtureProject, put } from "../helpers.ts";
import { startSmtp } from "./smtp.ts";

const SECRET = "unsubscribe-test-secret-of-at-least-32-bytes";
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

const run = (root: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  lettre(root, args, { env: { LETTRE_UNSUBSCRIBE_SECRET: SECRET, ...env } }).done;

/** The two addresses List-Unsubscribe gives: the https link and the mailto's subject. */
function unsubscribeHeader(raw: string) {
  const header =
    raw
      .replace(/\r?\n[ \t]+/g, " ")
      .split(/\r?\n/)
      .find((line) => line.startsWith("List-Unsubscribe:")) ?? "";
  const link = /<(https:[^>]+)>/.exec(header)?.[1] ?? "";
  const mailto = /<mailto:[^?]+\?subject=([^>]+)>/.exec(header)?.[1] ?? "";
  return { link, subject: decodeURIComponent(mailto) };
}

describe("lettre list unsubscribe with what a reader sends back", () => {
  it("unsubscribes the reader named by the mailto's subject or the link, and nobody else", async () => {
    const root = await fixtureProject("archive");
    await put(root, "abonnes.csv", "email;prénom\nmarie@exemple.fr;Marie\npaul@exemple.fr;Paul\n");
    expect((await run(root, ["list", "import", "partenaires", "abonnes.csv"])).code).toBe(0);
    const server = await startSmtp();
    stops.push(server.close);
    const sent = await run(root, [
      "send",
      "2025-s2",
      "--list",
      "partenaires",
      "--yes",
      "--transport",
      server.url,
    ]);
    expect(sent.code).toBe(0);
    const of = (to: string) =>
      unsubscribeHeader(server.received.find((r) => r.to === to)?.raw ?? "");
    const marie = of("marie@exemple.fr");
    const paul = of("paul@exemple.fr");
    expect(marie.subject).toMatch(/^unsubscribe [\w-]{40,}$/);
    expect(paul.link).toMatch(/\?t=[\w-]{40,}$/);

    // Refused: a tampered token, a token of the public preview key, no secret, plain words.
    const token = marie.subject.split(" ")[1] ?? "";
    const tampered = `${token.slice(0, 20)}${token[20] === "A" ? "B" : "A"}${token.slice(21)}`;
    const bad = await run(root, ["list", "unsubscribe", `unsubscribe ${tampered}`]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("personne n'est désinscrit");
    const preview = unsubscribeToken(PREVIEW_SECRET, "partenaires", "paul@exemple.fr");
    const fromPreview = await run(root, ["list", "unsubscribe", preview]);
    expect(fromPreview.code).toBe(1);
    expect(fromPreview.stderr).toContain("aperçu de l'outbox");
    const noSecret = await run(root, ["list", "unsubscribe", marie.subject], {
      LETTRE_UNSUBSCRIBE_SECRET: undefined,
    });
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toContain("définissez LETTRE_UNSUBSCRIBE_SECRET");
    expect((await run(root, ["list", "unsubscribe", "bonjour"])).code).toBe(2);
    expect((await run(root, ["list", "show", "partenaires"])).stdout).not.toContain("[désinscrit]");

    // The subject as the mail arrives (two words: the shell gives them apart), then the link.
    const bySubject = await run(root, ["list", "unsubscribe", ...marie.subject.split(" ")]);
    expect(bySubject.code).toBe(0);
    expect(bySubject.stdout).toContain("marie@exemple.fr est désinscrit");
    let shown = (await run(root, ["list", "show", "partenaires"])).stdout;
    expect(shown).toMatch(/marie@exemple\.fr.*\[désinscrit\]/);
    expect(shown).not.toMatch(/paul@exemple\.fr.*\[désinscrit\]/);
    expect((await run(root, ["list", "unsubscribe", paul.link])).code).toBe(0);
    shown = (await run(root, ["list", "show", "partenaires"])).stdout;
    expect(shown).toMatch(/paul@exemple\.fr.*\[désinscrit\]/);
  }, 90_000);
});
