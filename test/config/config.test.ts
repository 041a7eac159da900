import { rm } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../src/config/index.ts";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { makeProject } from "../helpers.ts";

const VALID = `site:
  name: DataLab
  url: https://lettre.example.org/
sender:
  name: DataLab
  address: lettre@example.org
`;

describe("config", () => {
  it("applies defaults and trims the base URL", () => {
    const { value, diagnostics } = parseConfig(VALID);
    expect(diagnostics).toEqual([]);
    expect(value?.site.url).toBe("https://lettre.example.org");
    expect(value?.lang).toBe("fr");
    expect(value?.theme.primary).toBe("#0b5394");
  });

  it("refuses secrets with the line to remove", () => {
    const { diagnostics } = parseConfig(
      `${VALID}smtp:\n  host: mail.example.org\n  password: hunter2\n`,
    );
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      "lettre.config.yaml:9: smtp.password: « password » ressemble à un secret : un secret ne va jamais dans le fichier de configuration, donnez-le par une variable d'environnement",
    ]);
  });

  it("positions schema errors like an issue's", () => {
    const bad = VALID.replace("https://lettre.example.org/", "ftp://x").replace(
      "lettre@example.org",
      "Lettre <a@b.org>, c@d.org",
    );
    const { diagnostics } = parseConfig(bad);
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      "lettre.config.yaml:3: site.url: « ftp://x » n'est pas une adresse web : écrivez-la en entier, par exemple https://lettre.datalab-normandie.fr",
      "lettre.config.yaml:6: sender.address: « Lettre <a@b.org>, c@d.org » n'est pas une adresse e-mail unique et simple (exemple : lettre@datalab.fr)",
    ]);
  });

  it("says how to create a missing config", async () => {
    const root = await makeProject();
    await rm(`${root}/lettre.config.yaml`);
    const { diagnostics } = await loadConfig(root);
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      "lettre.config.yaml: fichier de configuration introuvable : est-ce bien le dossier du projet ? Pour commencer une lettre, « npx lettre init <dossier> » le crée",
    ]);
  });

  it("accepts the repository's own config", async () => {
    const { value, diagnostics } = await loadConfig(await makeProject());
    expect(diagnostics).toEqual([]);
    expect(value?.site.name).toBe("DataLab Normandie");
  });
});
