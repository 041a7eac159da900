import { symlink } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { build } from "../../src/pipeline/index.ts";
import {
  closeDatabase,
  listSubscribers,
  openDatabase,
  saveSubscribers,
} from "../../src/send/store.ts";
import { unsubscribeToken } from "../../src/send/token.ts";
import { type Serving, startServer } from "../../src/serve/index.ts";
import { fixtureProject } from "../helpers.ts";

const SECRET = "test-secret-0123456789-abcdefghijklmnop-XYZ";
const LIST = "lecteurs";
const READERS = ["ada@example.org", "bob@example.org", "cyd@example.org", "dan@example.org"];

let serving: Serving | undefined;
afterEach(async () => {
  await serving?.close();
  serving = undefined;
});

/** A built project whose list holds READERS, served on a free loopback port. */
async function served() {
  const root = await fixtureProject("archive");
  expect((await build({ root, today: "2026-01-01" })).ok).toBe(true);
  const db = openDatabase(root);
  const rows = new Map(READERS.map((address) => [address, { address, fields: {} }]));
  saveSubscribers(db, LIST, rows, "2026-01-01T00:00:00.000Z");
  closeDatabase(db);
  serving = await startServer({ root, port: 0, host: "127.0.0.1", secret: SECRET, lang: "fr" });
  const status = () => {
    const reader = openDatabase(root);
    try {
      return Object.fromEntries(listSubscribers(reader, LIST).map((s) => [s.email, s.status]));
    } finally {
      closeDatabase(reader);
    }
  };
  return { root, url: serving.url, status };
}

const token = (email: string) => unsubscribeToken(SECRET, LIST, email);

describe("lettre serve", () => {
  it("serves the archive with security headers, and a 404 page", async () => {
    const { url } = await served();
    const home = await fetch(url);
    expect(home.status).toBe(200);
    expect(home.headers.get("content-type")).toContain("text/html");
    expect(await home.text()).toContain("2025-s2/");
    expect(home.headers.get("x-content-type-options")).toBe("nosniff");
    expect(home.headers.get("referrer-policy")).toBe("no-referrer");
    expect(home.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const css = await fetch(`${url}assets/style.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toContain("text/css");
    const missing = await fetch(`${url}pas-de-page/`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("Page introuvable");
  });

  it("never serves what a link in the archive leads to outside it", async () => {
    const { root, url } = await served();
    await symlink("/etc", path.join(root, "dist/archive/fuite"));
    const leaked = await fetch(`${url}fuite/passwd`);
    expect(leaked.status).toBe(404);
    expect(await leaked.text()).not.toContain("root:");
  });

  it("shows the unsubscribe page on GET without changing anything, and unsubscribes on POST", async () => {
    const { url, status } = await served();
    const page = await fetch(`${url}unsubscribe?t=${token("ada@example.org")}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("ada@example.org");
    expect(html).toContain('method="post"');
    expect(status()["ada@example.org"]).toBe("subscribed");

    // The button of that page.
    const done = await fetch(`${url}unsubscribe?t=${token("ada@example.org")}`, {
      method: "POST",
      body: new URLSearchParams({}),
    });
    expect(done.status).toBe(200);
    expect(await done.text()).toMatch(/ne recevra plus «\s?lecteurs\s?»/u);
    expect(status()["ada@example.org"]).toBe("unsubscribed");
  });

  it("unsubscribes from one list, or from every list when the reader ticks it", async () => {
    const { root, url, status } = await served();
    const db = openDatabase(root);
    const other = new Map([["bob@example.org", { address: "bob@example.org", fields: {} }]]);
    saveSubscribers(db, "autre", other, "2026-01-01T00:00:00.000Z");
    closeDatabase(db);
    const statusIn = (list: string) => {
      const reader = openDatabase(root);
      try {
        return listSubscribers(reader, list).find((s) => s.email === "bob@example.org")?.status;
      } finally {
        closeDatabase(reader);
      }
    };
    const post = (body: Record<string, string>) =>
      fetch(`${url}unsubscribe?t=${token("bob@example.org")}`, {
        method: "POST",
        body: new URLSearchParams(body),
      });
    expect((await post({})).status).toBe(200);
    expect(status()["bob@example.org"]).toBe("unsubscribed");
    expect(statusIn("autre")).toBe("subscribed");
    const all = await post({ all: "1" });
    expect(await all.text()).toContain("ne recevra plus aucune lettre");
    expect(statusIn("autre")).toBe("unsubscribed");
  });

  it("honours RFC 8058 one-click POSTs, urlencoded and multipart, idempotent, without redirect", async () => {
    const { url, status } = await served();
    const oneClick = (email: string, body: URLSearchParams | FormData) =>
      fetch(`${url}unsubscribe?t=${token(email)}`, { method: "POST", body, redirect: "manual" });
    const form = new URLSearchParams({ "List-Unsubscribe": "One-Click" });
    const first = await oneClick("bob@example.org", form);
    expect(first.status).toBe(200);
    expect(first.headers.get("location")).toBeNull();
    expect(status()["bob@example.org"]).toBe("unsubscribed");
    expect((await oneClick("bob@example.org", form)).status).toBe(200);

    const multipart = new FormData();
    multipart.set("List-Unsubscribe", "One-Click");
    expect((await oneClick("cyd@example.org", multipart)).status).toBe(200);
    expect(status()).toEqual({
      "ada@example.org": "subscribed",
      "bob@example.org": "unsubscribed",
      "cyd@example.org": "unsubscribed",
      "dan@example.org": "subscribed",
    });
  });

  it("changes nothing for a forged, truncated or foreign token, or a body too large", async () => {
    const { url, status } = await served();
    const good = token("dan@example.org");
    const flipped = `${good.slice(0, 10)}${good[10] === "A" ? "B" : "A"}${good.slice(11)}`;
    const foreign = unsubscribeToken(
      "another-secret-0123456789-abcdefghijkl-XYZ",
      LIST,
      "dan@example.org",
    );
    for (const bad of [flipped, good.slice(0, -4), foreign, "", "%00"]) {
      const shown = await fetch(`${url}unsubscribe?t=${bad}`);
      expect(shown.status).toBe(400);
      const posted = await fetch(`${url}unsubscribe?t=${bad}`, {
        method: "POST",
        body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }),
      });
      expect(posted.status).toBe(400);
      expect(await posted.text()).toContain("Lien non valable");
    }
    const huge = await fetch(`${url}unsubscribe?t=${good}`, {
      method: "POST",
      body: new URLSearchParams({ "List-Unsubscribe": "One-Click", pad: "x".repeat(64 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect(status()["dan@example.org"]).toBe("subscribed");
  });
});
