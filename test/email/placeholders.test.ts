import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.ts";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { build } from "../../src/pipeline/index.ts";
import { buildMessage } from "../../src/send/message.ts";
import { makeProject } from "../helpers.ts";

const ISSUE = [
  "---",
  'title: "Bonjour {{subscriber.firstName|à tous}}"',
  "date: 2025-12-01",
  "sections:",
  "  - type: article",
  "    title: Photo",
  "    body: |",
  "      Texte de la section.",
  "",
  "      ![Photo](https://example.org/p.png?n={{subscriber.firstName}})",
  "---",
  "Bonjour {{subscriber.firstName|Madame, Monsieur}} !", // 12: filled
  "",
  "Votre structure : {{subscriber.org|<b>Org</b>}}.", // 14: a tag in the fallback
  "",
  "Cher **{{subscriber.firstName**}}, merci.", // 16: emphasis over half of it
  "",
  "[Votre page](https://example.org/?n={{subscriber.firstName}}) et {{subscriber.city|Caen}}.", // 18
  "",
].join("\n");

describe("placeholders the send will not fill", () => {
  it("are each said at build time, with the line and field, and agree with the send", async () => {
    const root = await makeProject({ "newsletters/perso.md": ISSUE });
    const result = await build({ root, write: false });
    expect(result.ok).toBe(true);
    const unfilled = (value: string) =>
      `« ${value} » ne sera pas rempli à l'envoi : il coupe une balise ou une mise en forme (gras, italique, balise HTML dans le texte de repli), et les lecteurs le verraient tel quel ; écrivez-le d'un seul tenant, en texte simple, par exemple **{{subscriber.firstName|Madame, Monsieur}}**`;
    const encoded = (value: string) =>
      `« ${value} » est dans l'adresse d'un lien ou d'une image : il y est encodé (%7B%7B…) et ne sera jamais rempli ; retirez-le de l'adresse (il peut rester dans le texte du lien)`;
    expect(result.diagnostics.map(formatDiagnostic).sort()).toEqual(
      [
        `newsletters/perso.md:10: sections[0].body: ${encoded("{{subscriber.firstName}}")}`,
        `newsletters/perso.md:14: ${unfilled("{{subscriber.org|<b>Org</b>}}")}`,
        `newsletters/perso.md:16: ${unfilled("{{subscriber.firstName**}}")}`,
        `newsletters/perso.md:18: ${encoded("{{subscriber.firstName}}")}`,
      ].sort(),
    );

    // The send, with every field known: exactly the four warned about stay as written.
    const config = (await loadConfig(root)).value;
    const email = result.emails[0]?.email;
    if (!config || !email) throw new Error("no email");
    const message = buildMessage(
      { slug: "perso", subject: "Bonjour {{subscriber.firstName|à tous}}", ...email },
      {
        email: "zoe@example.org",
        address: "zoe@example.org",
        fields: { firstName: "Zoé", org: "ACME", city: "Rouen" },
      },
      "lecteurs",
      config,
      "x".repeat(40),
    );
    const left = message.html.match(/\{\{\s*subscriber|%7B%7Bsubscriber/gi) ?? [];
    expect(left).toHaveLength(4);
    expect(message.html).toContain("Bonjour Zoé");
    expect(message.html).toContain("Rouen");
    expect(message.subject).toBe("Bonjour Zoé");
  });

  it("says nothing when every placeholder is filled", async () => {
    const root = await makeProject({
      "newsletters/ok.md":
        "---\ntitle: Lettre\ndate: 2025-12-01\n---\nBonjour **{{subscriber.firstName|Madame, Monsieur}}** !\n\n[Lien](https://example.org/) pour {{subscriber.org}}.\n",
    });
    const result = await build({ root, write: false });
    expect(result.ok).toBe(true);
    expect(result.diagnostics).toEqual([]);
  });
});
