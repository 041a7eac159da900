/// <reference lib="dom" />
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closeDatabase,
  listSubscribers,
  openDatabase,
  personRecord,
  recipients,
} from "../../src/send/store.ts";
import { unsubscribeToken } from "../../src/send/token.ts";
import { type Serving, startServer } from "../../src/serve/index.ts";
import { hasChromium, launchChromium } from "../browser.ts";
import { fixtureProject, REPO } from "../helpers.ts";
import { startSmtp } from "../send/smtp.ts";
import { freePort } from "./load.ts";
import { readerProject } from "./project.ts";

const SECRET = "browser-test-secret-0123456789-abcdefghijkl";
const READER = "lea.martin@example.org";
/** A phone's width: every page must fit it without sideways scrolling. */
const PHONE = 375;
const AXE = path.join(REPO, "node_modules/axe-core/axe.min.js");
/** Screenshots to look at (scratch/ is not tracked). */
const SHOTS = path.join(REPO, "scratch/serve-shots");

const linkIn = (text: string, name: string) => {
  const found = new RegExp(`https?://\\S+/${name}\\?t=[\\w-]+`).exec(text)?.[0];
  if (!found) throw new Error(`no ${name} link in:\n${text}`);
  return found;
};

describe.skipIf(!hasChromium)("lettre serve's pages in a real browser", () => {
  let browser: Browser | undefined;
  let serving: Serving | undefined;
  let smtp: Awaited<ReturnType<typeof startSmtp>> | undefined;
  let root: string;
  /** The server's address, with its final slash (the archive's site.url). */
  let url: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    smtp = await startSmtp();
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    root = await fixtureProject("archive", { forSuite: true });
    await readerProject(root, port, smtp.url, SECRET);
    serving = await startServer({ root, port, host: "127.0.0.1", secret: SECRET, lang: "fr" });
    browser = await launchChromium();
    await mkdir(SHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close().catch(() => {})));
    await browser?.close();
    await serving?.close();
    await smtp?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const inDb = <T>(work: (db: ReturnType<typeof openDatabase>) => T): T => {
    const db = openDatabase(root);
    try {
      return work(db);
    } finally {
      closeDatabase(db);
    }
  };
  const statusOf = (list: string, email: string) =>
    inDb((db) => listSubscribers(db, list)).find((s) => s.email === email)?.status;

  /** A fresh page at PHONE width; loopback only (remote images are refused). */
  async function newPage(javaScriptEnabled: boolean): Promise<Page> {
    if (!browser) throw new Error("no browser");
    const context = await browser.newContext({
      viewport: { width: PHONE, height: 800 },
      javaScriptEnabled,
      // The pages allow only their own scripts (CSP script-src 'self'); axe is injected.
      bypassCSP: javaScriptEnabled,
    });
    contexts.push(context);
    const page = await context.newPage();
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
    return page;
  }

  /** The confirmation email the SMTP server received for `to`, its link. */
  async function confirmLinkFor(to: string): Promise<string> {
    await expect
      .poll(() => smtp?.received.some((r) => r.to === to), { timeout: 10_000 })
      .toBe(true);
    const mail = smtp?.received.find((r) => r.to === to)?.mail;
    expect(mail?.subject).toBe("Confirmez votre inscription à la lettre de DataLab Normandie");
    return linkIn(mail?.text ?? "", "confirm");
  }

  /** What an element says, its spaces (French typography's no-break ones too) made plain. */
  const say = async (page: Page, selector: string) =>
    ((await page.textContent(selector)) ?? "").replace(/\s+/g, " ").trim();

  async function fitsPhone(page: Page, name: string) {
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    expect(scrollWidth, `${name}: ${scrollWidth} px wide in ${clientWidth} px`).toBeLessThanOrEqual(
      clientWidth,
    );
  }

  async function axeViolations(page: Page): Promise<string[]> {
    await page.addScriptTag({ path: AXE });
    const { violations, passes } = await page.evaluate(async () => {
      const { axe } = window as unknown as { axe: typeof import("axe-core") };
      const result = await axe.run(document);
      return {
        violations: result.violations.map(
          (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
        ),
        passes: result.passes.map((rule) => rule.id),
      };
    });
    // The check really ran: contrast and the language were looked at.
    expect(passes).toEqual(expect.arrayContaining(["html-has-lang", "color-contrast"]));
    return violations;
  }

  it("lets a reader without JavaScript, on a phone, sign up, confirm, then leave one list", async () => {
    // 1. The form at the foot of an archive page.
    const page = await newPage(false);
    await page.goto(url);
    const form = page.locator("form.signup-form");
    await expect.poll(() => form.isVisible()).toBe(true);
    await fitsPhone(page, "home");
    await page.getByLabel("Votre adresse e-mail").fill(READER);
    await page.getByLabel("Prénom (facultatif)").fill("Léa");
    const boxes = form.locator('input[type="checkbox"][name="list"]');
    expect(await boxes.count()).toBe(2);
    await page.getByLabel("La lettre du DataLab").check();
    await page.getByLabel("L'agenda des événements").check();
    await Promise.all([
      page.waitForURL(`${url}subscribe`),
      page.getByRole("button", { name: "M'inscrire" }).click(),
    ]);
    expect(await say(page, "h1")).toBe("Vérifiez votre boîte de réception");
    expect(await say(page, "main")).toContain(`Si l'adresse ${READER} est valable`);
    await fitsPhone(page, "check-inbox");
    expect(inDb((db) => personRecord(db, READER)).subscriptions).toMatchObject([
      { list: "agenda", status: "pending" },
      { list: "lecteurs", status: "pending", fields: { firstName: "Léa" } },
    ]);

    // 2. The link of the confirmation email: a GET changes nothing, the button does.
    const link = await confirmLinkFor(READER);
    expect(link.startsWith(`${url}confirm?t=`)).toBe(true);
    await page.goto(link);
    expect(await say(page, "h1")).toBe("Confirmer votre inscription");
    expect(await page.locator("form.reader-form li").allTextContents()).toEqual([
      "La lettre du DataLab",
      "L'agenda des événements",
    ]);
    await fitsPhone(page, "confirm");
    expect(statusOf("lecteurs", READER)).toBe("pending");
    expect(inDb((db) => recipients(db, "lecteurs"))).toEqual([]);
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && r.url().includes("/confirm")),
      page.getByRole("button", { name: "Je confirme" }).click(),
    ]);
    await page.waitForSelector("text=Inscription confirmée");
    expect(await say(page, "h1")).toBe("Inscription confirmée");
    expect(await say(page, "main")).toContain(`${READER} recevra les prochaines lettres`);
    await fitsPhone(page, "confirmed");
    expect(statusOf("lecteurs", READER)).toBe("subscribed");
    expect(statusOf("agenda", READER)).toBe("subscribed");
    expect(inDb((db) => recipients(db, "lecteurs")).map((r) => r.email)).toEqual([READER]);

    // 3. The unsubscribe link of one list: a GET changes nothing, the button leaves that list.
    const token = unsubscribeToken(SECRET, "lecteurs", READER);
    await page.goto(`${url}unsubscribe?t=${token}`);
    expect(await say(page, "h1")).toBe("Se désinscrire");
    expect(await say(page, "main")).toContain(
      `Désinscrire ${READER} de « La lettre du DataLab » ?`,
    );
    expect(await page.getByLabel("Me désinscrire de toutes les lettres").isChecked()).toBe(false);
    await fitsPhone(page, "unsubscribe");
    expect(statusOf("lecteurs", READER)).toBe("subscribed");
    await Promise.all([
      page.waitForResponse(
        (r) => r.request().method() === "POST" && r.url().includes("/unsubscribe"),
      ),
      page.getByRole("button", { name: "Me désinscrire" }).click(),
    ]);
    await page.waitForSelector("text=Vous êtes désinscrit");
    expect(await say(page, "h1")).toBe("Vous êtes désinscrit");
    expect(await say(page, "main")).toContain(
      `${READER} ne recevra plus « La lettre du DataLab ».`,
    );
    await fitsPhone(page, "unsubscribed");
    expect(statusOf("lecteurs", READER)).toBe("unsubscribed");
    expect(statusOf("agenda", READER)).toBe("subscribed");
    expect(inDb((db) => recipients(db, "lecteurs"))).toEqual([]);
    expect(inDb((db) => recipients(db, "agenda")).map((r) => r.email)).toEqual([READER]);
    // The way back: the form, the address filled in, the list just left ticked.
    expect(await page.locator("form.signup-form").isVisible()).toBe(true);
    expect(await page.getByLabel("Votre adresse e-mail").inputValue()).toBe(READER);
    expect(await page.getByLabel("La lettre du DataLab").isChecked()).toBe(true);
    expect(await page.getByLabel("L'agenda des événements").isChecked()).toBe(false);
    expect(inDb((db) => personRecord(db, READER)).events.map((e) => [e.action, e.list])).toEqual(
      expect.arrayContaining([
        ["confirmed", "lecteurs"],
        ["confirmed", "agenda"],
        ["unsubscribed", "lecteurs"],
      ]),
    );
    await page.context().close();
  });

  it("has no accessibility violation and fits 375 px on each page", async () => {
    const found: Record<string, string[]> = {};
    const page = await newPage(true);
    /** axe, the width, a screenshot: what each page is checked for. */
    const check = async (name: string) => {
      await fitsPhone(page, name);
      await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
      found[name] = await axeViolations(page);
      // The same page in dark mode (prefers-color-scheme), whose colours are others.
      await page.emulateMedia({ colorScheme: "dark" });
      found[`${name} (dark)`] = await axeViolations(page);
      await page.emulateMedia({ colorScheme: "light" });
    };
    const address = "amy.durand@example.org";

    await page.goto(`${url}subscribe`);
    expect(await say(page, "h1")).toBe("S'inscrire à la lettre de DataLab Normandie");
    await check("subscribe");

    await page.goto(url);
    expect(await page.locator("form.signup-form").count()).toBe(1);
    await check("home");

    await page.goto(`${url}subscribe`);
    await page.getByLabel("Votre adresse e-mail").fill(address);
    await page.getByLabel("L'agenda des événements").check();
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.getByRole("button", { name: "M'inscrire" }).click(),
    ]);
    await page.waitForSelector("text=Vérifiez votre boîte de réception");
    await check("check-inbox");

    await page.goto(await confirmLinkFor(address));
    expect(await say(page, "h1")).toBe("Confirmer votre inscription");
    await check("confirm");
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.getByRole("button", { name: "Je confirme" }).click(),
    ]);
    await page.waitForSelector("text=Inscription confirmée");
    await check("confirmed");
    expect(statusOf("agenda", address)).toBe("subscribed");

    await page.goto(`${url}unsubscribe?t=${unsubscribeToken(SECRET, "agenda", address)}`);
    expect(await say(page, "h1")).toBe("Se désinscrire");
    await check("unsubscribe");
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.getByRole("button", { name: "Me désinscrire" }).click(),
    ]);
    await page.waitForSelector("text=Vous êtes désinscrit");
    await check("unsubscribed");
    expect(statusOf("agenda", address)).toBe("unsubscribed");

    const names = Object.keys(found);
    expect(names).toEqual(
      [
        "subscribe",
        "home",
        "check-inbox",
        "confirm",
        "confirmed",
        "unsubscribe",
        "unsubscribed",
      ].flatMap((name) => [name, `${name} (dark)`]),
    );
    const message = names
      .filter((name) => found[name]?.length)
      .map((name) => `${name}:\n  ${found[name]?.join("\n  ")}`)
      .join("\n");
    expect(found, message).toEqual(Object.fromEntries(names.map((name) => [name, []])));
    await page.context().close();
  });
});
