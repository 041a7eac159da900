/**
 * Stage "serve": `lettre serve`, the reader side. One long-running process (Hono on Node's
 * HTTP server) that serves the built archive (`dist/archive/`) and answers the unsubscribe
 * link every email carries, reading and writing the same `.lettre/lettre.db` as `lettre send`
 * (SQLite in WAL mode: both may run at once).
 *
 *   GET  /unsubscribe?t=…   a page naming the address, with one button; changes nothing
 *                            (mail scanners follow links)
 *   POST /unsubscribe?t=…   unsubscribes, then says so. RFC 8058 one-click: a body of
 *                            `List-Unsubscribe=One-Click` (urlencoded or multipart), no
 *                            cookie, answered 200 without redirect once the change is
 *                            committed; idempotent.
 *
 * A token that is not one lettre signed with LETTRE_UNSUBSCRIBE_SECRET changes nothing and
 * gets a plain error page (400). Unsubscribing suppresses the address for every list, as
 * `lettre list unsubscribe` does.
 */
import { realpathSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { type ServerType, serve } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import { ARCHIVE_DIR } from "../archive/index.ts";
import { loadConfig } from "../config/index.ts";
import { LettreError } from "../core/diagnostic.ts";
import { isInside } from "../core/files.ts";
import { escapeHtml } from "../core/html.ts";
import { type Locale, setLocale, t } from "../core/i18n.ts";
import { closeDatabase, openDatabase, unsubscribe } from "../send/store.ts";
import { verifyUnsubscribeToken } from "../send/token.ts";

export interface ServeOptions {
  root: string;
  /** Default 8080; 0 for any free port. */
  port?: number;
  /** Default 127.0.0.1: behind a reverse proxy that terminates TLS. */
  host?: string;
  /** Output folder of `lettre build`, relative to root unless absolute. Default `dist`. */
  out?: string;
  /** LETTRE_UNSUBSCRIBE_SECRET: the key the links were signed with. */
  secret: string;
  lang?: Locale;
}

export interface Serving {
  url: string;
  /** Stops taking connections, lets requests in flight finish, closes the database. */
  close: () => Promise<void>;
}

/** Larger than any form of these pages, far below anything that costs memory. */
const MAX_BODY = 16 * 1024;

const CSP = [
  "default-src 'self'",
  "img-src 'self' https: data:",
  // The web copies of the emails are styled inline, as emails are.
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join("; ");

export async function startServer(options: ServeOptions): Promise<Serving> {
  const root = path.resolve(options.root);
  const config = await loadConfig(root);
  if (!config.value) throw new LettreError(config.diagnostics);
  setLocale(options.lang ?? config.value.lang);
  const archive = path.join(path.resolve(root, options.out ?? "dist"), ARCHIVE_DIR);
  const db = openDatabase(root);
  const app = makeApp({ archive, db, secret: options.secret, site: config.value.site.name });

  const port = options.port ?? 8080;
  const hostname = options.host ?? "127.0.0.1";
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port, hostname }, () => resolve(started));
    started.once("error", reject);
  }).catch((error: NodeJS.ErrnoException) => {
    closeDatabase(db);
    const code = error?.code ?? "";
    if (!["EADDRINUSE", "EACCES", "EADDRNOTAVAIL", "ENOTFOUND"].includes(code)) throw error;
    const message = t("serve-port", { host: hostname, port: String(port), code });
    throw new LettreError([{ file: "--port", rule: "port", severity: "error", message }], {
      cause: error,
    });
  });
  const { address, port: bound } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${host}:${bound}/`,
    close: () =>
      new Promise<void>((resolve) => {
        // Requests in flight are answered (each unsubscribe is committed before its answer);
        // idle keep-alive connections are closed.
        server.close(() => {
          closeDatabase(db);
          resolve();
        });
        if ("closeIdleConnections" in server) server.closeIdleConnections();
      }),
  };
}

function makeApp(context: { archive: string; db: DatabaseSync; secret: string; site: string }) {
  const { archive, db, secret, site } = context;
  const app = new Hono();
  app.use(secureHeaders({ referrerPolicy: "no-referrer", xFrameOptions: "DENY" }));
  app.use(async (c, next) => {
    await next();
    c.header("Content-Security-Policy", CSP);
  });

  const page = (c: Context, status: 200 | 400 | 404, title: string, body: string) => {
    c.header("Cache-Control", "no-store");
    return c.html(
      `<!doctype html>
<html lang="${escapeHtml(t("serve-lang"))}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · ${escapeHtml(site)}</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<main class="wrap">
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`,
      status,
    );
  };
  const badLink = (c: Context) =>
    page(c, 400, t("serve-bad-link-title"), `<p>${escapeHtml(t("serve-bad-link"))}</p>`);

  app.get("/unsubscribe", (c) => {
    const token = c.req.query("t");
    const reader = verifyUnsubscribeToken(secret, token);
    if (!reader) return badLink(c);
    return page(
      c,
      200,
      t("serve-unsubscribe-title"),
      `<p>${escapeHtml(t("serve-unsubscribe-question", { address: reader.email }))}</p>
<form method="post" action="/unsubscribe?t=${escapeHtml(token ?? "")}">
<button type="submit">${escapeHtml(t("serve-unsubscribe-button"))}</button>
</form>`,
    );
  });

  app.post(
    "/unsubscribe",
    bodyLimit({ maxSize: MAX_BODY, onError: (c) => c.text("Payload Too Large", 413) }),
    async (c) => {
      const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const token = c.req.query("t") ?? (typeof body.t === "string" ? body.t : undefined);
      const reader = verifyUnsubscribeToken(secret, token);
      if (!reader) return badLink(c);
      // Committed before the answer: an acknowledged unsubscribe is never lost.
      unsubscribe(db, reader.email);
      if (body["List-Unsubscribe"] === "One-Click") {
        c.header("Cache-Control", "no-store");
        return c.text(t("serve-unsubscribed", { address: reader.email }), 200);
      }
      return page(
        c,
        200,
        t("serve-unsubscribed-title"),
        `<p>${escapeHtml(t("serve-unsubscribed", { address: reader.email }))}</p>`,
      );
    },
  );

  // The archive: only files really inside it (a link in dist/ that leads out is not served).
  const realArchive = () => {
    try {
      return realpathSync(archive);
    } catch {
      return undefined;
    }
  };
  app.use("*", async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") return next();
    const real = realArchive();
    let file: string | undefined;
    try {
      const wanted = path.join(archive, decodeURIComponent(c.req.path));
      file = real && realpathSync(wanted);
    } catch {}
    if (real && file && !isInside(file, real)) return notFound(c);
    return next();
  });
  app.use(
    "*",
    serveStatic({
      root: archive,
      onFound: (file, c) => {
        // Pages change at each build; assets keep their names: revalidated either way.
        c.header("Cache-Control", file.endsWith(".html") ? "no-cache" : "public, max-age=300");
      },
    }),
  );
  const notFound = (c: Context) =>
    page(c, 404, t("serve-not-found-title"), `<p>${escapeHtml(t("serve-not-found"))}</p>`);
  app.notFound(notFound);
  return app;
}
