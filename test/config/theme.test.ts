import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.ts";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { setLocale } from "../../src/core/i18n.ts";
import { build } from "../../src/pipeline/index.ts";
import { makeProject, put, REPO } from "../helpers.ts";

const VALID = `site:
  name: DataLab
  url: https://lettre.example.org/
sender:
  name: DataLab
  address: lettre@example.org
`;

/** WCAG 2.2 contrast ratio, written here from the definition, independently of lettre's. */
function ratio(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (bl ?? 0);
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return ((x ?? 0) + 0.05) / ((y ?? 0) + 0.05);
}

function hue(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255) as [
    number,
    number,
    number,
  ];
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

describe("theme colours and WCAG AA contrast", () => {
  it("refuses the accent #c0612b at its line, with the ratio and a darker colour of its hue", () => {
    const source = `${VALID}theme:\n  primary: "#0b5394"\n  accent: "#c0612b"\n`;
    const { diagnostics } = parseConfig(source);
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      "lettre.config.yaml:9: theme.accent: « #c0612b » sur le fond #ffffff : contraste de 4,21:1, en dessous des 4,5:1 qu'exige l'accessibilité (WCAG AA) pour les étiquettes de section (petit texte) ; écrivez par exemple « #b25a28 », la même teinte plus foncée (4,5:1)",
    ]);
    expect(diagnostics[0]?.severity).toBe("error");
    // The suggestion passes on the card and on the winner's box, and keeps the hue.
    expect(ratio("#b25a28", "#ffffff")).toBeGreaterThanOrEqual(4.5);
    expect(ratio("#b25a28", "#fff7ec")).toBeGreaterThanOrEqual(4.5);
    expect(Math.abs(hue("#b25a28") - hue("#c0612b"))).toBeLessThan(1.5);
    expect(ratio("#c0612b", "#ffffff")).toBeCloseTo(4.21, 2);

    setLocale("en");
    expect(parseConfig(source).diagnostics.map(formatDiagnostic)).toEqual([
      'lettre.config.yaml:9: theme.accent: "#c0612b" on the #ffffff background: contrast 4.21:1, below the 4.5:1 accessibility requires (WCAG AA) for section labels (small text); write for example "#b25a28", the same hue, darker (4.5:1)',
    ]);
  });

  it("checks primary too (links on white, white text on buttons)", () => {
    const { diagnostics } = parseConfig(`${VALID}theme:\n  primary: "#6fa8dc"\n`);
    expect(diagnostics.map((d) => [d.line, d.field, d.rule])).toEqual([
      [8, "theme.primary", "theme-contrast"],
    ]);
    const suggestion =
      /par exemple « (#[0-9a-f]{6}) »/.exec(diagnostics[0]?.message ?? "")?.[1] ?? "";
    expect(ratio(suggestion, "#ffffff")).toBeGreaterThanOrEqual(4.5);
    expect(Math.abs(hue(suggestion) - hue("#6fa8dc"))).toBeLessThan(1.5);
    // A ratio just under 4.5 is under: #777777 is 4.48:1.
    expect(parseConfig(`${VALID}theme:\n  primary: "#777"\n`).diagnostics).toHaveLength(1);
    expect(parseConfig(`${VALID}theme:\n  primary: "#767676"\n`).diagnostics).toEqual([]);
  });

  it("passes with the default theme and with the example config", async () => {
    const defaults = parseConfig(VALID);
    expect(defaults.diagnostics).toEqual([]);
    for (const colour of Object.values(defaults.value?.theme ?? {})) {
      expect(ratio(colour, "#ffffff")).toBeGreaterThanOrEqual(4.5);
    }
    expect(ratio(defaults.value?.theme.accent ?? "", "#fff7ec")).toBeGreaterThanOrEqual(4.5);
    const example = await readFile(path.join(REPO, "lettre.config.yaml"), "utf8");
    expect(parseConfig(example).diagnostics).toEqual([]);
  });

  it("stops a build with the old example colour, writing nothing", async () => {
    const root = await makeProject({
      "newsletters/un.md": "---\ntitle: Un\ndate: 2025-12-01\n---\nTexte.\n",
    });
    const config = await readFile(path.join(root, "lettre.config.yaml"), "utf8");
    await put(
      root,
      "lettre.config.yaml",
      config.replace(/accent: "#[0-9a-f]+"/, 'accent: "#c0612b"'),
    );
    const result = await build({ root });
    expect(result.ok).toBe(false);
    expect(result.written).toBe(false);
    expect(result.diagnostics.map((d) => d.rule)).toEqual(["theme-contrast"]);
  });
});
