/**
 * `lettre dev`: the watcher plus a preview server on 127.0.0.1. Pages reload by themselves
 * after each rebuild (server-sent events); a failed rebuild shows its errors over the last
 * good preview, which stays, until a save fixes them.
 */
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { formatDiagnostic, LettreError, sortDiagnostics } from "../core/diagnostic.ts";
import { t } from "../core/i18n.ts";
import type { BuildResult } from "../pipeline/index.ts";
import { type BuildEvent, type Watching, type WatchOptions, watch } from "./index.ts";
import { indexPage, issuePage, type PreviewIssue } from "./pages.ts";

export interface Preview {
  url: string;
  watching: Watching;
  close: () => Promise<void>;
}

const CLIENT = "/__lettre/client.js";
const EVENTS = "/__lettre/events";
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".xml": "application/xml; charset=utf-8",
  ".ics": "text/calendar; charset=utf-8",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".svg": "image/svg+xml",
  ".webp": "image/webp",
  ".pdf": "application/pdf",
};

export async function startPreview(
  options: WatchOptions & { port?: number; host?: string },
): Promise<Preview> {
  const outDir = path.resolve(options.root, options.out ?? "dist");
  const client = await readFile(new URL("./client.js", import.meta.url), "utf8");
  const listeners = new Set<ServerResponse>();
  let lastGood: BuildResult | undefined;
  let problems: string[] | undefined;

  const send = (res: ServerResponse, event: string, data: unknown) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const broadcast = (event: string, data: unknown) => {
    for (const res of listeners) send(res, event, data);
  };
  const problem = () => ({ title: t("preview-problem"), messages: problems });

  const onBuild = (event: BuildEvent) => {
    const { result } = event;
    if (result.ok) {
      const hadProblems = problems !== undefined;
      problems = undefined;
      lastGood = result;
      if (result.changed.length > 0 || hadProblems)
        broadcast("reload", { changed: result.changed });
    } else {
      problems = sortDiagnostics(result.diagnostics.filter((d) => d.severity === "error")).map(
        formatDiagnostic,
      );
      broadcast("problem", problem());
    }
    options.onBuild(event);
  };

  const issues = (): PreviewIssue[] =>
    (lastGood?.emails ?? []).map(({ issue, email }) => ({
      slug: issue.slug,
      title: issue.data.title,
      date: issue.data.date,
      draft: issue.data.draft === true,
      bytes: email.bytes,
      text: email.text,
    }));

  const html = (res: ServerResponse, body: string, status = 200) => {
    res.writeHead(status, { "content-type": TYPES[".html"], "cache-control": "no-store" });
    res.end(body.replace(/<\/body>/i, () => `<script src="${CLIENT}"></script></body>`));
  };

  /**
   * An email points its images at the archive as it will be published (site.url), which
   * is not online yet while the editor writes: the preview shows them from /archive/.
   */
  const local = (page: string) => {
    const site = lastGood?.siteUrl;
    return site ? page.replaceAll(`src="${site}/`, 'src="/archive/') : page;
  };

  const serveFile = async (res: ServerResponse, file: string) => {
    const info = await stat(file).catch(() => undefined);
    const target = info?.isDirectory() ? path.join(file, "index.html") : file;
    const found = await stat(target).catch(() => undefined);
    if (!found?.isFile())
      return html(res, "<!doctype html><title>404</title><body><p>404</p></body>", 404);
    const type = TYPES[path.extname(target).toLowerCase()] ?? "application/octet-stream";
    if (type === TYPES[".html"]) return html(res, local(await readFile(target, "utf8")));
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
    createReadStream(target).pipe(res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const pathname = decodeURIComponent(url.pathname);
    if (pathname === EVENTS) {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        connection: "keep-alive",
      });
      res.write("retry: 500\n\n");
      if (problems) send(res, "problem", problem());
      listeners.add(res);
      req.on("close", () => listeners.delete(res));
      return;
    }
    if (pathname === CLIENT) {
      res.writeHead(200, { "content-type": TYPES[".js"], "cache-control": "no-store" });
      return res.end(client);
    }
    if (pathname === "/") return html(res, indexPage(issues()));
    const preview = /^\/preview\/([a-z0-9-]+)\/?$/.exec(pathname);
    if (preview) {
      const issue = issues().find((i) => i.slug === preview[1]);
      return issue ? html(res, issuePage(issue)) : serveFile(res, "/nonexistent");
    }
    // Built files: /email/<slug>.html|.txt and the archive as it will be published.
    const mount = /^\/(email|archive)(\/.*)?$/.exec(pathname);
    if (mount) {
      const base = path.join(outDir, mount[1] ?? "");
      const file = path.join(base, path.normalize(mount[2] ?? "/"));
      if (!file.startsWith(base)) return serveFile(res, "/nonexistent");
      return serveFile(res, file);
    }
    return serveFile(res, "/nonexistent");
  };

  // The port first: a busy one is said at once, before a build and a watcher are started.
  const host = options.host ?? "127.0.0.1";
  let allowedHosts = new Set<string>();
  // Requests wait for the first build.
  let started = () => {};
  const ready = new Promise<void>((resolve) => {
    started = resolve;
  });
  const server = createServer((req, res) => {
    // DNS rebinding: a page of another site whose name resolves to 127.0.0.1 would read the
    // previews (drafts included). Browsers always name the host they think they talk to.
    if (!allowedHosts.has((req.headers.host ?? "").toLowerCase())) {
      res.writeHead(403, { "content-type": TYPES[".txt"], "cache-control": "no-store" });
      res.end(t("dev-host-refused", { host: req.headers.host ?? "" }));
      return;
    }
    (async () => {
      await ready;
      await handle(req, res);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  }).catch((error: NodeJS.ErrnoException) => {
    const port = String(options.port ?? 0);
    if (error.code === "EADDRINUSE" || error.code === "EACCES") {
      const message = t(error.code === "EADDRINUSE" ? "dev-port-busy" : "dev-port-denied", {
        port,
      });
      throw new LettreError([{ file: "--port", rule: "port", severity: "error", message }], {
        cause: error,
      });
    }
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = new Set(
    [host, "127.0.0.1", "localhost", "[::1]"].map((name) => `${name}:${port}`.toLowerCase()),
  );
  const watching = watch({ ...options, onBuild });
  try {
    await watching.ready;
    started();
  } catch (error) {
    server.close();
    await watching.close();
    throw error;
  }

  return {
    url: `http://127.0.0.1:${port}/`,
    watching,
    close: async () => {
      for (const res of listeners) res.end();
      listeners.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await watching.close();
    },
  };
}
