import { afterEach, describe, expect, it } from "vitest";
import {
  closeDatabase,
  expireSignups,
  listSubscribers,
  openDatabase,
  personRecord,
  recipients,
} from "../../src/send/store.ts";
import { unsubscribeToken } from "../../src/send/token.ts";
import { type Serving, startServer } from "../../src/serve/index.ts";
import { lettre } from "../cli.ts";
import { fixtureProject, put } from "../helpers.ts";
import { startSmtp } from "../send/smtp.ts";
import { freePort } from "./load.ts";
import { readerProject } from "./project.ts";

const SECRET = "signup-test-secret-0123456789-abcdefghijkl";
const READER = "lea.martin@example.org";

let serving: Serving | undefined;
let smtp: Awaited<ReturnType<typeof startSmtp>> | undefined;
afterEach(async () => {
  await serving?.close();
  await smtp?.close();
  serving = undefined;
  smtp = undefined;
});

/**
 * The archive fixture served by `lettre serve` at its own site.url (so that the forms of
 * the built pages post to it), with two lists readers may join, sending through a real SMTP
 * server on loopback.
 */
async function project() {
  smtp = await startSmtp();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const root = await fixtureProject("archive");
  await readerProject(root, port, smtp.url, SECRET, "  keepIp: true\n");
  const env = { LETTRE_UNSUBSCRIBE_SECRET: SECRET };
  serving = await startServer({ root, port, host: "127.0.0.1", secret: SECRET, lang: "fr" });
  const db = () => openDatabase(root);
  const inDb = <T>(work: (db: ReturnType<typeof openDatabase>) => T): T => {
    const handle = db();
    try {
      return work(handle);
    } finally {
      closeDatabase(handle);
    }
  };
  const send = (issue: string) =>
    lettre(root, ["send", issue, "--list", "lecteurs", "--yes"], { env }).done;
  return { root, url: `${url}/`, inDb, send, env };
}

/** The fields of the sign-up form of a built page, as a browser without JS would post them. */
function formOf(html: string) {
  const form = /<form method="post" action="([^"]+)" class="signup-form">([\s\S]*?)<\/form>/.exec(
    html,
  );
  if (!form) throw new Error("no sign-up form");
  const fields = new URLSearchParams();
  for (const input of form[2]?.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g) ??
    []) {
    fields.append(input[1] ?? "", (input[2] ?? "").replace(/&#x3D;/g, "="));
  }
  return { action: (form[1] ?? "").replace(/&#x3D;/g, "="), fields };
}

const linkIn = (text: string, path: string) => {
  const found = new RegExp(`https?://\\S+/${path}\\?t=[\\w-]+`).exec(text)?.[0];
  if (!found) throw new Error(`no ${path} link in:\n${text}`);
  return found;
};

describe("sign-up with double opt-in, then unsubscribe", () => {
  it("goes from the archive's form to a send and out again, each step in the audit trail", async () => {
    const { root, url, inDb, send, env } = await project();
    const home = await (await fetch(url)).text();
    const { action, fields } = formOf(home);
    expect(action).toBe(`${url}subscribe`);
    fields.set("email", READER);
    fields.set("firstName", "Léa");
    fields.append("list", "lecteurs");
    fields.set("website", "");
    const asked = await fetch(action, { method: "POST", body: fields });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain("Vérifiez votre boîte de réception");

    // Pending: recorded with its proof of consent, never sent to.
    expect(inDb((db) => listSubscribers(db, "lecteurs"))).toMatchObject([
      { email: READER, status: "pending", fields: { firstName: "Léa" } },
    ]);
    expect(inDb((db) => recipients(db, "lecteurs"))).toEqual([]);
    const [signup] = inDb((db) => personRecord(db, READER)).signups;
    expect(signup).toMatchObject({
      lists: ["lecteurs"],
      page: url,
      ip: "127.0.0.1",
      confirmed: null,
      lang: "fr",
    });
    expect(signup?.consent).toContain("vous acceptez de recevoir par e-mail la lettre");
    expect(home).toContain(signup?.consent.replace(/'/g, "&#x27;"));

    // The confirmation email, at the real SMTP server.
    await expect.poll(() => smtp?.received.length).toBe(1);
    const mail = smtp?.received[0]?.mail;
    expect(smtp?.received[0]?.to).toBe(READER);
    expect(mail?.subject).toBe("Confirmez votre inscription à la lettre de DataLab Normandie");
    expect(mail?.html).toContain("La lettre du DataLab");
    const confirmLink = linkIn(mail?.text ?? "", "confirm");

    // A GET (a mail scanner) changes nothing; the button does.
    const page = await fetch(confirmLink);
    expect(page.status).toBe(200);
    const confirmPage = await page.text();
    expect(confirmPage).toContain("Je confirme");
    expect(inDb((db) => listSubscribers(db, "lecteurs"))[0]?.status).toBe("pending");
    const before = await send("2025-s1");
    expect(before.code, before.stderr).toBe(0);
    expect(smtp?.received.length).toBe(1);

    const button = /<form method="post" action="([^"]+)"/.exec(confirmPage)?.[1] ?? "";
    const done = await fetch(button.replace(/&#x3D;/g, "="), { method: "POST" });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("Inscription confirmée");
    expect(inDb((db) => listSubscribers(db, "lecteurs"))[0]?.status).toBe("subscribed");

    // The next send includes the reader.
    const sent = await send("2025-s2");
    expect(sent.code, sent.stderr).toBe(0);
    const issue = smtp?.received.filter((r) => r.to === READER).at(-1);
    expect(issue?.mail.subject).not.toContain("Confirmez");
    const unsubscribeUrl =
      /^List-Unsubscribe:\s*<(https?:[^>]+)>/im.exec(issue?.raw ?? "")?.[1] ?? "";
    expect(unsubscribeUrl).toContain(`${url}unsubscribe?t=`);

    // One-click, as a mail provider sends it.
    const oneClick = await fetch(unsubscribeUrl, {
      method: "POST",
      body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }),
      redirect: "manual",
    });
    expect(oneClick.status).toBe(200);
    expect(inDb((db) => listSubscribers(db, "lecteurs"))[0]?.status).toBe("unsubscribed");
    const count = smtp?.received.length ?? 0;
    const after = await send("2026-s1");
    expect(after.code, after.stderr).toBe(0);
    expect(smtp?.received.length).toBe(count);

    const trail = inDb((db) => personRecord(db, READER)).events;
    expect(trail.map((e) => [e.action, e.list, e.by])).toEqual([
      ["signed-up", "lecteurs", "form"],
      ["confirmed", "lecteurs", "link"],
      ["unsubscribed", "lecteurs", "one-click"],
    ]);

    // What an editor shows a reader who asks (GDPR art. 15), then erases (art. 17).
    const shown = await lettre(root, ["subscriber", "show", READER], { env }).done;
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("lecteurs: désinscrit, form");
    expect(shown.stdout).toMatch(/listes lecteurs : demandée le .*, confirmée le .*, depuis http/);
    expect(shown.stdout).toContain("IP 127.0.0.1");
    expect(shown.stdout).toMatch(/inscription confirmée \(lien\)/);
    expect(shown.stdout).toMatch(/désinscrit \(désinscription en un clic\)/);
    const exported = await lettre(root, ["list", "export", "lecteurs"], { env }).done;
    const [head, row] = exported.stdout.split("\r\n");
    expect(head).toBe(
      "\uFEFFemail;firstName;status;source;signed_up;confirmed;consent_page;consent_text;ip;history",
    );
    expect(row).toMatch(
      /^lea\.martin@example\.org;Léa;unsubscribed;form;2\S+;2\S+;http:\/\/127\.0\.0\.1:\d+\/;"En vous inscrivant.*";127\.0\.0\.1;\S+ signed-up \(form\) \| \S+ confirmed \(link\) \| \S+ unsubscribed \(one-click\)$/,
    );
    const forget = await lettre(root, ["subscriber", "forget", READER, "--yes"], { env }).done;
    expect(forget.code, forget.stderr).toBe(0);
    const held = inDb((db) =>
      db
        .prepare(
          "SELECT (SELECT COUNT(*) FROM subscribers WHERE email = ?) + (SELECT COUNT(*) FROM signups WHERE email = ?) + (SELECT COUNT(*) FROM events WHERE email = ?) + (SELECT COUNT(*) FROM journal WHERE email = ?) AS n",
        )
        .get(READER, READER, READER, READER),
    );
    expect(held).toEqual({ n: 0 });
    await put(root, "lecteurs.csv", `email\n${READER}\n`);
    const reimport = await lettre(root, ["list", "import", "lecteurs", "lecteurs.csv"], { env })
      .done;
    expect(reimport.stdout).toContain("0 ajoutée(s)");
    expect(inDb((db) => recipients(db, "lecteurs"))).toEqual([]);
  });

  it("mails a stranger at most once per 10 minutes, ignores robots, checks addresses and lists", async () => {
    const { url, inDb } = await project();
    const post = (fields: Record<string, string | string[]>) => {
      const body = new URLSearchParams();
      for (const [name, value] of Object.entries(fields)) {
        for (const v of [value].flat()) body.append(name, v);
      }
      return fetch(`${url}subscribe`, { method: "POST", body });
    };
    const again = await Promise.all(
      [1, 2, 3].map(() => post({ email: "victime@example.org", list: "lecteurs" })),
    );
    for (const answer of again) expect(answer.status).toBe(200);
    await expect.poll(() => smtp?.received.length).toBe(1);
    expect(inDb((db) => personRecord(db, "victime@example.org")).signups).toHaveLength(1);

    // In English when the page was.
    const english = await post({ email: "amy@example.org", list: "agenda", lang: "en" });
    expect(await english.text()).toContain("Check your inbox");
    await expect.poll(() => smtp?.received.length).toBe(2);
    expect(smtp?.received[1]?.mail.subject).toBe(
      "Confirm your subscription to the newsletter of DataLab Normandie",
    );
    expect(await (await fetch(`${url}subscribe?lang=en`)).text()).toContain("Get the newsletter");

    const robot = await post({ email: "robot@example.org", list: "lecteurs", website: "x" });
    expect(robot.status).toBe(200);
    expect(inDb((db) => personRecord(db, "robot@example.org")).signups).toEqual([]);

    const bad = await post({ email: "Jean <jean@example.org>", list: "lecteurs" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("n&#x27;est pas une adresse e-mail valable");
    const noList = await post({ email: "jean@example.org", list: "secret-list" });
    expect(noList.status).toBe(400);
    expect(await noList.text()).toContain("Cochez au moins une lettre");
    const both = await post({ email: "jean@example.org", list: ["lecteurs", "agenda"] });
    expect(both.status).toBe(200);
    expect(inDb((db) => personRecord(db, "jean@example.org")).subscriptions).toMatchObject([
      { list: "agenda", status: "pending" },
      { list: "lecteurs", status: "pending" },
    ]);
    await expect.poll(() => smtp?.received.length).toBe(3);
  });

  it("refuses forged and expired confirmation links, and limits sign-ups per IP", async () => {
    const { url, inDb } = await project();
    for (const token of ["", "x".repeat(43), "%00", "a".repeat(2000)]) {
      const shown = await fetch(`${url}confirm?t=${token}`);
      expect(shown.status).toBe(400);
      expect((await fetch(`${url}confirm?t=${token}`, { method: "POST" })).status).toBe(400);
    }
    const answers: number[] = [];
    for (let i = 0; i < 12; i++) {
      const body = new URLSearchParams({ email: `p${i}@example.org`, list: "agenda" });
      answers.push((await fetch(`${url}subscribe`, { method: "POST", body })).status);
    }
    expect(answers.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(answers.slice(10)).toEqual([429, 429]);
    // One-click is never limited: it comes from a few providers' machines.
    await expect.poll(() => smtp?.received.length).toBe(10);
    const link = linkIn(smtp?.received[0]?.mail.text ?? "", "confirm");
    // Eight days later the link has expired and the pending row is gone.
    const later = new Date(Date.now() + 8 * 24 * 3600 * 1000).toISOString();
    expect(inDb((db) => expireSignups(db, later))).toBe(10);
    expect((await fetch(link, { method: "POST" })).status).toBe(400);
    expect(inDb((db) => listSubscribers(db, "agenda"))).toEqual([]);
    // Nothing was kept of them: no row, no line of the trail (as the page promised).
    expect(inDb((db) => personRecord(db, "p0@example.org"))).toMatchObject({
      subscriptions: [],
      signups: [],
      events: [],
    });
  });

  it("lets a reader who left every list come back to one, through double opt-in", async () => {
    const { root, url, inDb, env } = await project();
    await put(root, "abonnes.csv", "email;prénom\nmax@example.org;Max\n");
    for (const list of ["lecteurs", "agenda"]) {
      const imported = await lettre(root, ["list", "import", list, "abonnes.csv"], { env }).done;
      expect(imported.code, imported.stderr).toBe(0);
    }
    const token = unsubscribeToken(SECRET, "agenda", "max@example.org");
    // Another list's token leaves that list only.
    const left = await fetch(`${url}unsubscribe?t=${token}`, {
      method: "POST",
      body: new URLSearchParams({ all: "1" }),
    });
    const page = await left.text();
    expect(page).toContain("ne recevra plus aucune lettre");
    expect(inDb((db) => recipients(db, "lecteurs"))).toEqual([]);
    // The page offers to come back: the form, filled in, the list ticked.
    const { action, fields } = formOf(page);
    expect(page).toContain('value="max@example.org"');
    expect(page).toMatch(/value="agenda" checked/);
    fields.set("email", "max@example.org");
    fields.append("list", "agenda");
    expect((await fetch(action, { method: "POST", body: fields })).status).toBe(200);
    await expect.poll(() => smtp?.received.length).toBe(1);
    const link = linkIn(smtp?.received[0]?.mail.text ?? "", "confirm");
    expect((await fetch(link, { method: "POST" })).status).toBe(200);
    expect(inDb((db) => recipients(db, "agenda")).map((r) => r.email)).toEqual(["max@example.org"]);
    // The list not asked for again stays left.
    expect(inDb((db) => recipients(db, "lecteurs"))).toEqual([]);
  });
});
