import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.ts";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { build } from "../../src/pipeline/index.ts";
import { buildMessage } from "../../src/send/message.ts";
import { makeProject, put } from "../helpers.ts";

/** C0 but tab, LF, CR; DEL; C1; noncharacters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]/;

// YAML double-quoted escapes: \v (U+000B), \0 (NUL), \e (ESC), \uFFFE.
const CONFIG = `site:
  name: "DataLab\\vNormandie"
  url: https://lettre.example.org
sender:
  name: "DataLab\\e[31m Normandie"
  address: lettre@example.org
address: "Caen\\0 Normandie"
footer: |
  Première ligne du pied de page.
  Deuxième ligne\uFFFE avec un caractère interdit.
`;

const ISSUE = `---
title: Lettre
date: 2025-12-01
sections:
  - type: event
    title: Forum
    date: 2026-01-15
---
Bonjour.
`;

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe("control characters in the config", () => {
  it("are left out of every email, page and message, with a warning at their line", async () => {
    const root = await makeProject({ "newsletters/lettre.md": ISSUE });
    await put(root, "lettre.config.yaml", CONFIG);
    const result = await build({ root, today: "2025-12-01" });
    expect(result.ok).toBe(true);
    const says = (where: string, chars: string) =>
      `lettre.config.yaml:${where}: 1 caractère(s) de contrôle invisible(s) (${chars}) retiré(s) du texte publié : souvent un saut de ligne collé depuis Word ; supprimez-le(s) ici`;
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      says("2: site.name", "U+000B"),
      says("5: sender.name", "U+001B"),
      says("7: address", "U+0000"),
      says("10: footer", "U+FFFE"),
    ]);
    for (const file of await files(path.join(root, "dist"))) {
      const text = await readFile(file, "utf8");
      expect({ file, control: CONTROL.test(text) }).toEqual({ file, control: false });
    }
    const html = await readFile(path.join(root, "dist/email/lettre.html"), "utf8");
    expect(html).toContain("DataLab Normandie"); // U+000B became a space
    expect(html).toContain("Caen Normandie");

    // What `lettre send` reads: the same clean config (From header, bodies).
    const config = (await loadConfig(root)).value;
    const email = result.emails[0]?.email;
    if (!config || !email) throw new Error("no config");
    expect(config.sender.name).toBe("DataLab[31m Normandie");
    const message = buildMessage(
      { slug: "lettre", subject: "Lettre", ...email },
      { email: "a@example.org", address: "a@example.org", fields: {} },
      "l",
      config,
      "x".repeat(40),
    );
    expect(CONTROL.test(message.from.name + message.html + message.text)).toBe(false);
  });
});

describe("the calendar's name", () => {
  it("is escaped as iCalendar text (RFC 5545): ; , and \\ stay part of the name", async () => {
    const root = await makeProject({ "newsletters/lettre.md": ISSUE });
    const yaml = await readFile(path.join(root, "lettre.config.yaml"), "utf8");
    const name = "DataLab; Caen, Rouen \\ Le Havre";
    await put(
      root,
      "lettre.config.yaml",
      yaml.replace("name: DataLab Normandie", () => `name: ${JSON.stringify(name)}`),
    );
    const result = await build({ root, today: "2025-12-01" });
    expect(result.ok).toBe(true);
    // ical.js reads both as TEXT (RFC 7986 NAME; X-WR-CALNAME, Apple's, is TEXT too).
    const properties = ICAL.design.icalendar.property as Record<string, { defaultType: string }>;
    properties.name = { defaultType: "text" };
    properties["x-wr-calname"] = { defaultType: "text" };
    for (const file of ["events.ics", "lettre/calendar/1.ics"]) {
      const ics = await readFile(path.join(root, "dist/archive", file), "utf8");
      const unfolded = ics.replace(/\r\n[ \t]/g, "");
      expect(unfolded).toContain("\r\nNAME:DataLab\\; Caen\\, Rouen \\\\ Le Havre\r\n");
      expect(unfolded).toContain("\r\nX-WR-CALNAME:DataLab\\; Caen\\, Rouen \\\\ Le Havre\r\n");
      const calendar = new ICAL.Component(ICAL.parse(ics));
      expect(calendar.getFirstPropertyValue("x-wr-calname")).toBe(name);
      expect(calendar.getFirstPropertyValue("name")).toBe(name);
    }
  });
});
