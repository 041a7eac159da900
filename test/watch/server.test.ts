/// <reference lib="dom" />
import { spawn } from "node:child_process";
import { request } from "node:http";
import { type AddressInfo, connect, createServer } from "node:net";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Preview, startPreview } from "../../src/watch/server.ts";
import { hasChromium, launchChromium } from "../browser.ts";
import { fixtureProject, put, REPO, read } from "../helpers.ts";

let preview: Preview | undefined;
afterEach(async () => {
  await preview?.close();
  preview = undefined;
});

/** Reads server-sent events from the preview, as the pages do. */
async function listen(url: string) {
  const controller = new AbortController();
  const response = await fetch(`${url}__lettre/events`, { signal: controller.signal });
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const next = async (): Promise<{ event: string; data: Record<string, unknown> }> => {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) return { event, data: JSON.parse(data) };
        continue;
      }
      const chunk = await reader?.read();
      if (!chunk || chunk.done) throw new Error("event stream closed");
      buffer += chunk.value;
    }
  };
  return { next, close: () => controller.abort() };
}

describe("lettre dev: the preview server", () => {
  it("serves the issues, their emails, texts and the archive, and pushes reloads", async () => {
    const root = await fixtureProject("archive");
    preview = await startPreview({ root, today: "2026-03-01", drafts: true, onBuild: () => {} });
    expect(preview.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const home = await (await fetch(preview.url)).text();
    expect(home).toContain('<a href="/preview/2026-s1/">');
    expect(home).toContain("Brouillon confidentiel"); // drafts are previewed
    expect(home).toContain('<script src="/__lettre/client.js"></script></body>');
    const page = await (await fetch(`${preview.url}preview/2025-s2/`)).text();
    expect(page).toContain('<iframe src="/email/2025-s2.html" width="640"');
    expect(page).toContain('<iframe src="/email/2025-s2.html" width="375"');
    expect(page).toContain('<iframe src="/archive/2025-s2/" width="1024"');
    expect(page).toMatch(/\d+,\d Ko sur 102 Ko/);
    expect(page).toContain("Assises nationales de l'IA");
    const email = await fetch(`${preview.url}email/2025-s2.html`);
    expect(email.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await email.text()).toContain("/__lettre/client.js");
    // Images point at the archive to be published (site.url): the preview shows its own.
    const withImage = await (await fetch(`${preview.url}email/2026-s1.html`)).text();
    expect(withImage).toContain('src="/archive/2026-s1/images/couverture.png"');
    expect(withImage).not.toContain('src="https://lettre.datalab-normandie.fr/');
    const image = await fetch(`${preview.url}archive/2026-s1/images/couverture.png`);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(await read(root, "dist/email/2026-s1.html")).toContain(
      'src="https://lettre.datalab-normandie.fr/2026-s1/images/couverture.png"',
    );
    expect((await fetch(`${preview.url}archive/events.ics`)).headers.get("content-type")).toBe(
      "text/calendar; charset=utf-8",
    );
    expect((await fetch(`${preview.url}archive/../lettre.config.yaml`)).status).toBe(404);

    const events = await listen(preview.url);
    const source = await read(root, "newsletters/2025-s2.md");
    await put(
      root,
      "newsletters/2025-s2.md",
      source.replace("date: 2025-12-15", "date: 2025-12-32"),
    );
    const problem = await events.next();
    expect(problem.event).toBe("problem");
    expect(problem.data.messages).toEqual([
      "newsletters/2025-s2.md:3: date: « 2025-12-32 » n'est pas une date du calendrier : écrivez AAAA-MM-JJ, par exemple 2025-12-15",
    ]);
    // The last good preview stays.
    expect(await (await fetch(`${preview.url}email/2025-s2.html`)).text()).toContain(
      "Assises nationales",
    );

    await put(
      root,
      "newsletters/2025-s2.md",
      source.replace("Assises nationales", "Grandes Assises"),
    );
    const reload = await events.next();
    expect(reload.event).toBe("reload");
    expect(reload.data.changed).toContain("email/2025-s2.html");
    expect(await (await fetch(`${preview.url}email/2025-s2.html`)).text()).toContain(
      "Grandes Assises",
    );
    events.close();
  });

  it("stops on Ctrl-C and releases its port (the real command)", async () => {
    const root = await fixtureProject("archive");
    const child = spawn(process.execPath, [path.join(REPO, "bin/lettre.js"), "dev"], {
      cwd: root,
      env: { ...process.env, LETTRE_LANG: "" },
    });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
      child.stdout.on("data", () => {
        const found = /aperçu sur (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      });
    });
    expect((await fetch(url)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(out).toContain("arrêté");
    const port = Number(new URL(url).port);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.on("connect", () => {
        socket.destroy();
        resolve(false);
      });
      socket.on("error", () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});

/** A GET with any Host header (fetch does not let a caller choose it). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("lettre dev: what it refuses", () => {
  it("answers only to its own host names (DNS rebinding)", async () => {
    const root = await fixtureProject("archive");
    preview = await startPreview({ root, today: "2026-03-01", drafts: true, onBuild: () => {} });
    const { port } = new URL(preview.url);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      const res = await getWithHost(`${preview.url}preview/2026-s1/`, host);
      expect(res.status, host).toBe(200);
    }
    for (const host of [`evil.example:${port}`, "evil.example", `127.0.0.1:${Number(port) + 1}`]) {
      for (const at of ["", "preview/2026-s1/", "email/2026-s1.html", "__lettre/events"]) {
        const res = await getWithHost(`${preview.url}${at}`, host);
        expect(res.status, `${host} /${at}`).toBe(403);
        expect(res.body).not.toContain("Brouillon confidentiel");
      }
    }
  });

  it("says a busy --port is busy and exits, without hanging (the real command)", async () => {
    const root = await fixtureProject("archive");
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const child = spawn(
        process.execPath,
        [path.join(REPO, "bin/lettre.js"), "dev", "--port", String(port)],
        { cwd: root, env: { ...process.env, LETTRE_LANG: "" } },
      );
      let err = "";
      child.stderr.on("data", (chunk) => {
        err += chunk;
      });
      // Before the fix the process never ended: kill it after a while and say so.
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      clearTimeout(timer);
      expect(code).toBe(1);
      expect(err).toContain(`le port ${port} est déjà utilisé`);
      expect(err).not.toContain("erreur interne");
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe("lettre build --watch (the real command)", () => {
  it("rebuilds on save, prints the result, and stops on Ctrl-C", async () => {
    const root = await fixtureProject("archive");
    const child = spawn(process.execPath, [path.join(REPO, "bin/lettre.js"), "build", "--watch"], {
      cwd: root,
      env: { ...process.env, LETTRE_LANG: "" },
    });
    let out = "";
    const seen = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not seen ${pattern}: ${out}`)), 20_000);
        const check = () => {
          if (pattern.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on("data", check);
        check();
      });
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    await seen(/surveillance de newsletters\//);
    const source = await read(root, "newsletters/2025-s1.md");
    await put(
      root,
      "newsletters/2025-s1.md",
      source.replace("Premier semestre", "Semestre modifié"),
    );
    await seen(/reconstruit en \d+ ms : \d+ fichier\(s\) mis à jour/);
    expect(await read(root, "dist/email/2025-s1.html")).toContain("Semestre modifié");
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });
});

describe.skipIf(!hasChromium)("lettre dev in a real browser", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows a save without a manual reload, an error overlay over the last good preview, and keeps the scroll", async () => {
    const root = await fixtureProject("archive");
    preview = await startPreview({ root, today: "2026-03-01", onBuild: () => {} });
    const page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
    await page.goto(`${preview.url}preview/2025-s2/`);
    await page.evaluate(() => window.scrollTo(0, 400));
    const source = await read(root, "newsletters/2025-s2.md");

    await put(
      root,
      "newsletters/2025-s2.md",
      source.replace("date: 2025-12-15", "date: 2025-12-32"),
    );
    const overlay = page.locator("#lettre-overlay");
    await overlay.waitFor({ timeout: 10_000 });
    expect(await overlay.textContent()).toContain("newsletters/2025-s2.md:3: date:");
    expect(await page.locator("#text").textContent()).toContain("Assises nationales");

    await put(
      root,
      "newsletters/2025-s2.md",
      source.replace("Assises nationales", "Grandes Assises"),
    );
    await page.waitForFunction(
      () => document.querySelector("#text")?.textContent?.includes("Grandes Assises"),
      null,
      {
        timeout: 10_000,
      },
    );
    expect(await overlay.count()).toBe(0);
    const frame = page.frameLocator('iframe[width="640"]');
    await expect
      .poll(() => frame.locator("body").textContent(), { timeout: 10_000 })
      .toContain("Grandes Assises");
    await page.waitForFunction(() => window.scrollY === 400, null, { timeout: 5_000 });
    await page.close();
  });
});
