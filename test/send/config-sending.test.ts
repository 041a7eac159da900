import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.ts";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { setLocale } from "../../src/core/i18n.ts";
import { lettre } from "../cli.ts";
import { sendingProject } from "./project.ts";

const config = (unsubscribeUrl: string) => `site:
  name: DataLab
  url: https://lettre.example.org/
sender:
  name: DataLab
  address: lettre@example.org
sending:
  transport: smtp://smtp.example.org:587
  unsubscribeUrl: ${unsubscribeUrl}
`;

const errors = (unsubscribeUrl: string) =>
  parseConfig(config(unsubscribeUrl)).diagnostics.map(formatDiagnostic);

describe("sending.unsubscribeUrl", () => {
  it("https only: one-click unsubscribe (RFC 8058) is refused over http", () => {
    expect(errors("https://lettre.example.org/desinscription")).toEqual([]);
    expect(errors("http://lettre.example.org/desinscription")).toEqual([
      "lettre.config.yaml:9: sending.unsubscribeUrl: « http://lettre.example.org/desinscription » : la page de désinscription doit être en https:// ; le désabonnement en un clic (RFC 8058), que Gmail et Yahoo demandent aux envois en nombre, ne passe que par https. Écrivez « https://lettre.example.org/desinscription » (la page doit y répondre)",
    ]);
    expect(errors("HTTP://lettre.example.org/d")[0]).toContain("« https://lettre.example.org/d »");
  });

  it("an address says where addresses go, not that mailto: links are allowed", () => {
    const [mailto] = errors("mailto:desinscription@example.org");
    expect(mailto).toBe(
      "lettre.config.yaml:9: sending.unsubscribeUrl: « mailto:desinscription@example.org » : unsubscribeUrl est l'adresse https:// d'une page web ; une adresse e-mail de désinscription va dans sending.unsubscribeMailto (« unsubscribeMailto: desinscription@example.org »)",
    );
    expect(mailto).not.toContain("mailto: sont permis");
    expect(errors("lettre.example.org/desinscription")).toEqual([
      "lettre.config.yaml:9: sending.unsubscribeUrl: « lettre.example.org/desinscription » n'est pas l'adresse d'une page web : écrivez l'adresse https:// de la page de désinscription (https://exemple.fr/desinscription)",
    ]);
  });

  it("in English too", () => {
    setLocale("en");
    try {
      expect(errors("mailto:desinscription@example.org")[0]).toContain(
        'an address to write to for unsubscribing goes in sending.unsubscribeMailto ("unsubscribeMailto: desinscription@example.org")',
      );
    } finally {
      setLocale("fr");
    }
  });
});

describe("site.url in http, no sending.unsubscribeUrl", () => {
  it("the messages do not claim one-click unsubscribe, and the send says why", async () => {
    const { root } = await sendingProject(1, 1);
    const file = path.join(root, "lettre.config.yaml");
    const source = await readFile(file, "utf8");
    await writeFile(file, source.replace("url: https://", "url: http://"));
    const args = ["send", "2025-s2", "--list", "l", "--yes", "--transport", "outbox:out"];
    const result = await lettre(root, args).done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      "attention : le lien de désinscription sera http://lettre.datalab-normandie.fr/unsubscribe (site.url), en http",
    );
    const [eml] = await readdir(path.join(root, "out"));
    const raw = (await readFile(path.join(root, "out", eml ?? ""), "utf8")).replace(
      /\r?\n[ \t]+/g,
      " ",
    );
    expect(raw).toMatch(
      /^List-Unsubscribe: <http:\/\/lettre\.datalab-normandie\.fr\/unsubscribe\?t=/m,
    );
    expect(raw).not.toContain("List-Unsubscribe-Post");
  }, 60_000);
});
