/**
 * Stage "serve": `lettre serve`, the reader side. One long-running process (Hono on Node's
 * HTTP server) that serves the built archive (`dist/archive/`) and the reader's pages,
 * reading and writing the same `.lettre/lettre.db` as `lettre send` (SQLite in WAL mode:
 * both may run at once).
 *
 *   GET  /subscribe            the sign-up form alone (the archive's pages carry it too)
 *   POST /subscribe            records a pending sign-up, mails its confirmation link
 *   GET  /confirm?t=…          the sign-up and one "Confirm" button; changes nothing
 *   POST /confirm?t=…          the reader becomes active on the lists asked for
 *   GET  /unsubscribe?t=…      the address and list, one button, "leave every list"; changes
 *                              nothing (mail scanners follow links)
 *   POST /unsubscribe?t=…      unsubscribes at once. RFC 8058 one-click: a body of
 *                              `List-Unsubscribe=One-Click` (urlencoded or multipart), no
 *                              cookie, answered 200 without redirect once the change is
 *                              committed; idempotent.
 *
 * A token that is not one lettre signed with LETTRE_UNSUBSCRIBE_SECRET (or a confirmation
 * link unknown or expired) changes nothing and gets a plain error page. Sign-ups are rate
 * limited per IP and per address (one confirmation email per address per 10 minutes) and
 * carry a honeypot field; one-click POSTs are never rate limited (they come from a few mail
 * providers' machines).
 */
import { existsSync, realpathSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { type ServerType, serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { serveStatic } from "@hono/node-server/serve-static";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import { rateLimiter } from "hono-rate-limiter";
import { ARCHIVE_DIR } from "../archive/index.ts";
import { type Config, loadConfig } from "../config/index.ts";
import { LettreError } from "../core/diagnostic.ts";
import { isInside } from "../core/files.ts";
import { type Locale, setLocale, t } from "../core/i18n.ts";
import { actOnProviderEvent } from "../inbox/act.ts";
import { loadTemplates } from "../render/templates.ts";
import {
  closeDatabase,
  confirmSignup,
  databaseError,
  expireSignups,
  findSignup,
  isForgotten,
  openDatabase,
  unsubscribe,
  unsubscribeFromList,
} from "../send/store.ts";
import { verifyUnsubscribeToken } from "../send/token.ts";
import { createTransport, type Transport } from "../send/transports.ts";
import { type Pages, type ReaderPage, readerPages } from "./pages.ts";
import { SIGNUP_DAYS, signUp, signupId } from "./signup.ts";
import { snsRoute } from "./sns.ts";

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
  /** Also read the returns mailbox (config inbox.imap) every inbox.every minutes. */
  inbox?: boolean;
}

export interface Serving {
  url: string;
  /** What the editor should know (confirmation emails going to the outbox only…). */
  notes: string[];
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

/** Sign-ups one IP address may send in SIGNUP_WINDOW_MS (a family, an office behind NAT). */
const SIGNUPS_PER_IP = 10;
const SIGNUP_WINDOW_MS = 10 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const SERVE_BUSY_MS = 250;

export async function startServer(options: ServeOptions): Promise<Serving> {
  const root = path.resolve(options.root);
  const config = await loadConfig(root);
  if (!config.value) throw new LettreError(config.diagnostics);
  setLocale(options.lang ?? config.value.lang);
  const loaded = await loadTemplates(root);
  if (!loaded.templates) throw new LettreError(loaded.diagnostics);
  const archive = path.join(path.resolve(root, options.out ?? "dist"), ARCHIVE_DIR);
  // A short wait for another program's write: the request gets a 503 page at once rather
  // than holding every other request (node:sqlite waits on the only thread).
  const db = openDatabase(root, SERVE_BUSY_MS);
  let transport: Transport | undefined;
  const sending = config.value.sending;
  const transportUrl = sending.transport.startsWith("outbox:")
    ? `outbox:${path.resolve(root, sending.transport.slice("outbox:".length))}`
    : sending.transport;
  const expire = () => {
    try {
      expireSignups(db, new Date(Date.now() - SIGNUP_DAYS * DAY_MS).toISOString());
    } catch (error) {
      // Another program holds the database (a long import): the next hour will do.
      const shown = databaseError(error)?.diagnostics[0]?.message ?? String(error);
      console.error(t("serve-expiry-failed", { detail: shown }));
    }
  };
  expire();
  const expiring = setInterval(expire, 60 * 60 * 1000);
  expiring.unref();
  if (options.inbox) {
    try {
      const { checkInbox } = await import("../inbox/imap.ts");
      checkInbox(config.value, process.env);
    } catch (error) {
      clearInterval(expiring);
      closeDatabase(db);
      throw error;
    }
  }
  const app = makeApp({
    archive,
    db,
    secret: options.secret,
    config: config.value,
    pages: readerPages(config.value, loaded.templates.archive),
    signup: {
      email: loaded.templates.email,
      transport: () => {
        transport ??= createTransport(transportUrl, { ...sending, env: process.env });
        return transport;
      },
    },
  });

  const port = options.port ?? 8080;
  const hostname = options.host ?? "127.0.0.1";
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port, hostname }, () => resolve(started));
    started.once("error", reject);
  }).catch((error: NodeJS.ErrnoException) => {
    clearInterval(expiring);
    closeDatabase(db);
    const code = error?.code ?? "";
    if (!["EADDRINUSE", "EACCES", "EADDRNOTAVAIL", "ENOTFOUND"].includes(code)) throw error;
    const message = t("serve-port", { host: hostname, port: String(port), code });
    throw new LettreError([{ file: "--port", rule: "port", severity: "error", message }], {
      cause: error,
    });
  });
  const inbox = options.inbox ? returnsReader(db, config.value, options.secret) : undefined;
  const { address, port: bound } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  const notes: string[] = [];
  if (!existsSync(archive)) {
    notes.push(t("serve-not-built", { dir: path.relative(process.cwd(), archive) || "." }));
  }
  if (config.value.signup && transportUrl.startsWith("outbox:")) {
    const folder = path.relative(process.cwd(), transportUrl.slice("outbox:".length)) || ".";
    notes.push(t("serve-outbox", { folder }));
  }
  return {
    url: `http://${host}:${bound}/`,
    notes,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(expiring);
        const reading = inbox?.stop();
        // Requests in flight are answered (each change is committed before its answer);
        // idle keep-alive connections are closed.
        server.close(async () => {
          await reading;
          await transport?.close();
          closeDatabase(db);
          resolve();
        });
        if ("closeIdleConnections" in server) server.closeIdleConnections();
      }),
  };
}

/**
 * `lettre serve --inbox`: a pass over the returns mailbox now and every inbox.every minutes,
 * one at a time; a failed pass is said and tried again at the next. `stop` waits for the
 * pass under way (its changes are committed message by message).
 */
function returnsReader(db: DatabaseSync, config: Config, secret: string) {
  let running: Promise<void> | undefined;
  const pass = () => {
    running ??= (async () => {
      try {
        const { describePass, inboxPass } = await import("../inbox/imap.ts");
        const summary = await inboxPass({ db, config, env: process.env, secret });
        if (summary.read > 0) {
          console.log(describePass(summary, config.inbox.imap?.processed ?? ""));
        }
      } catch (error) {
        const shown =
          (error instanceof LettreError ? error.diagnostics[0]?.message : undefined) ??
          databaseError(error)?.diagnostics[0]?.message ??
          String((error as Error)?.message ?? error);
        console.error(t("inbox-pass-failed", { detail: shown }));
      } finally {
        running = undefined;
      }
    })();
  };
  pass();
  const timer = setInterval(pass, config.inbox.every * 60 * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

interface AppContext {
  archive: string;
  db: DatabaseSync;
  secret: string;
  config: Config;
  pages: Pages;
  signup: Pick<import("./signup.ts").SignupContext, "email" | "transport">;
}

function makeApp(context: AppContext) {
  const { archive, db, secret, config, pages } = context;
  const app = new Hono();
  app.use(secureHeaders({ referrerPolicy: "no-referrer", xFrameOptions: "DENY" }));
  app.use(async (c, next) => {
    await next();
    c.header("Content-Security-Policy", CSP);
  });
  // Amazon SES notifications (SNS), for the topics of the config only; before the global
  // body limit: notifications are larger than any form (the route has its own limit).
  const topics = config.inbox.sns?.topics;
  if (topics) {
    snsRoute(app, {
      env: process.env,
      topics,
      // Committed before SNS gets its 200: a notification acted on once per feedback id.
      onEvents: (events) => {
        for (const event of events) {
          actOnProviderEvent(db, event, { softBounces: config.inbox.softBounces });
        }
      },
      log: (line) => console.error(line),
    });
  }
  app.use("*", bodyLimit({ maxSize: MAX_BODY, onError: (c) => c.text("Payload Too Large", 413) }));

  // A database another program holds too long (or a full disk…): a plain page saying to try
  // again, never a bare 500 with a stack. Anything else: a plain error page, logged.
  app.onError((error, c) => {
    const lang = langOf(c);
    const known = databaseError(error);
    console.error(
      known ? known.diagnostics[0]?.message : t("serve-internal", { detail: String(error) }),
    );
    if (known) c.header("Retry-After", "30");
    return page(c, known ? 503 : 500, lang, {
      title: say(lang, "busyTitle"),
      paragraphs: [say(lang, "busy")],
    });
  });

  const mailing = sendTimes();
  const formAction = config.signup?.url ?? `${config.site.url}/subscribe`;
  const confirmUrl = new URL("confirm", formAction).href;
  const page = (
    c: Context,
    status: 200 | 400 | 404 | 429 | 500 | 503,
    lang: string,
    reader: ReaderPage,
  ) => {
    c.header("Cache-Control", "no-store");
    const name = c.req.path.replace(/^\/+/, "");
    return c.html(pages.render(lang, name, reader, rootOf(c.req.path)), status);
  };
  const langOf = (c: Context) => pages.langOf(c.req.query("lang"));
  const say = pages.say;
  const badLink = (c: Context, lang = langOf(c)) =>
    page(c, 400, lang, { title: say(lang, "badLinkTitle"), paragraphs: [say(lang, "badLink")] });
  const form = async (c: Context) =>
    (await c.req.parseBody({ all: true }).catch(() => ({}))) as Record<
      string,
      string | File | (string | File)[]
    >;
  /** The reader's IP: the connection's, or the last proxy's X-Forwarded-For entry. */
  const ipOf = (c: Context): string | undefined => {
    if (config.signup?.behindProxy) {
      const forwarded = c.req.header("x-forwarded-for")?.split(",").at(-1)?.trim();
      if (forwarded) return forwarded.slice(0, 64);
    }
    try {
      return getConnInfo(c).remote.address;
    } catch {
      return undefined;
    }
  };

  // Sign-up. Without `signup:` in the config there is no form, and these are 404.
  if (config.signup) {
    app.get("/subscribe", (c) => {
      const lang = langOf(c);
      const title = say(lang, "signupPageTitle", { site: config.site.name });
      return page(c, 200, lang, { title, signup: {} });
    });
    app.post(
      "/subscribe",
      rateLimiter({
        windowMs: SIGNUP_WINDOW_MS,
        limit: SIGNUPS_PER_IP,
        keyGenerator: (c) => rateKey(ipOf(c)),
        handler: (c) => {
          const lang = langOf(c);
          return page(c, 429, lang, {
            title: say(lang, "tooManyTitle"),
            paragraphs: [say(lang, "tooMany")],
          });
        },
      }),
      async (c) => {
        const body = await form(c);
        const lang = pages.langOf([body.lang].flat()[0]);
        const started = performance.now();
        const outcome = await signUp(
          { db, config, pages, ...context.signup, confirmUrl, ip: ipOf(c) },
          body,
        );
        // Not mailing answers as slowly as mailing: the time of the answer must not tell
        // whether an address signed up in the last minutes.
        if (outcome.kind === "sent") {
          if (outcome.mailed) mailing.record(performance.now() - started);
          else await mailing.pad(performance.now() - started);
        }
        const { address } = outcome;
        const asked = [body.list ?? []].flat().filter((v): v is string => typeof v === "string");
        switch (outcome.kind) {
          case "sent":
            return page(c, 200, lang, {
              title: say(lang, "signupSentTitle"),
              paragraphs: [say(lang, "signupSent", { address, days: SIGNUP_DAYS })],
            });
          case "bad-address":
          case "no-list":
            return page(c, 400, lang, {
              title: say(lang, "signupErrorTitle"),
              paragraphs: [
                outcome.kind === "no-list"
                  ? say(lang, "signupNoList")
                  : say(lang, "signupBadAddress", { address }),
              ],
              signup: { address, checked: asked },
            });
          case "send-failed":
            console.error(t("serve-confirmation-failed", { detail: outcome.detail }));
            return page(c, 503, lang, {
              title: say(lang, "sendFailedTitle"),
              paragraphs: [say(lang, "sendFailed")],
            });
        }
      },
    );
  }

  /** The sign-up a confirmation link names, while it is valid. */
  const signupOf = (token: unknown) => {
    if (typeof token !== "string" || !/^[\w-]{43}$/.test(token)) return undefined;
    const signup = findSignup(db, signupId(token));
    if (!signup) return undefined;
    const expired = Date.now() - Date.parse(signup.asked) > SIGNUP_DAYS * DAY_MS;
    return expired && !signup.confirmed ? undefined : signup;
  };
  const expiredLink = (c: Context, lang: string) =>
    page(c, 400, lang, {
      title: say(lang, "confirmExpiredTitle"),
      paragraphs: [say(lang, "confirmExpired", { days: SIGNUP_DAYS })],
      ...(config.signup ? { signup: {} } : {}),
    });
  const confirmed = (c: Context, lang: string, address: string) =>
    page(c, 200, lang, {
      title: say(lang, "confirmedTitle"),
      paragraphs: [say(lang, "confirmed", { address })],
    });
  app.get("/confirm", (c) => {
    const token = c.req.query("t");
    const signup = signupOf(token);
    if (!signup) return expiredLink(c, langOf(c));
    if (signup.confirmed) return confirmed(c, signup.lang, signup.address);
    const action = new URL(confirmUrl);
    action.searchParams.set("t", token ?? "");
    return page(c, 200, signup.lang, {
      title: say(signup.lang, "confirmTitle"),
      paragraphs: [say(signup.lang, "confirmText", { address: signup.address })],
      confirm: { action: action.href, lists: signup.lists.map(pages.listTitle) },
    });
  });
  app.post("/confirm", async (c) => {
    const signup = signupOf(c.req.query("t"));
    if (!signup) return expiredLink(c, langOf(c));
    // Committed before the answer.
    confirmSignup(db, signup.id);
    return confirmed(c, signup.lang, signup.address);
  });

  app.get("/unsubscribe", (c) => {
    const token = c.req.query("t");
    const reader = verifyUnsubscribeToken(secret, token);
    if (!reader) return badLink(c);
    const lang = langOf(c);
    const action = new URL(c.req.url);
    return page(c, 200, lang, {
      title: say(lang, "unsubscribeTitle"),
      paragraphs: [
        say(lang, "unsubscribeText", { address: reader.email, list: pages.listTitle(reader.list) }),
      ],
      unsubscribe: { action: `${action.pathname}${action.search}` },
    });
  });
  app.post("/unsubscribe", async (c) => {
    const body = await form(c);
    const first = (name: string) => [body[name]].flat()[0];
    const token = c.req.query("t") ?? first("t");
    const reader = verifyUnsubscribeToken(secret, token);
    if (!reader) return badLink(c);
    const oneClick = first("List-Unsubscribe") === "One-Click";
    const everything = !oneClick && first("all") === "1";
    // Committed before the answer: an acknowledged unsubscribe is never lost. An address
    // erased on request is suppressed by its hash already: nothing about it is written again.
    if (isForgotten(db, reader.email)) {
      // Nothing to record.
    } else if (everything) unsubscribe(db, reader.email, undefined, "link");
    else unsubscribeFromList(db, reader.list, reader.email, oneClick ? "one-click" : "link");
    const lang = langOf(c);
    const list = pages.listTitle(reader.list);
    if (oneClick) {
      c.header("Cache-Control", "no-store");
      return c.text(say(lang, "unsubscribed", { address: reader.email, list }), 200);
    }
    const offered = config.signup?.lists.some((l) => l.name === reader.list);
    return page(c, 200, lang, {
      title: say(lang, "unsubscribedTitle"),
      paragraphs: [
        everything
          ? say(lang, "unsubscribedAll", { address: reader.email, site: config.site.name })
          : say(lang, "unsubscribed", { address: reader.email, list }),
        ...(config.signup ? [say(lang, "resubscribe")] : []),
      ],
      ...(config.signup
        ? { signup: { address: reader.email, checked: offered ? [reader.list] : [] } }
        : {}),
    });
  });

  // The archive: only files really inside it (a link in dist/ that leads out is not served).
  const realArchive = () => {
    try {
      return realpathSync(archive);
    } catch {
      return undefined;
    }
  };
  const notFound = (c: Context) => {
    const lang = langOf(c);
    return page(c, 404, lang, {
      title: say(lang, "notFoundTitle"),
      paragraphs: [say(lang, "notFound")],
    });
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
  // Made once the archive exists (it may be built after the server started).
  let staticFiles: ReturnType<typeof serveStatic> | undefined;
  app.use("*", (c, next) => {
    if (!existsSync(archive)) return next();
    staticFiles ??= serveStatic({
      root: archive,
      onFound: (file, c) => {
        // Pages change at each build; assets keep their names: revalidated either way.
        c.header("Cache-Control", file.endsWith(".html") ? "no-cache" : "public, max-age=300");
      },
    });
    return staticFiles(c, next);
  });
  app.notFound(notFound);
  return app;
}

/**
 * The key the per-IP limit counts by: the IPv4 address, or the /64 network of an IPv6 one
 * (one subscriber line holds a whole /64: counting each address would count nothing).
 */
export function rateKey(ip: string | undefined): string {
  if (!ip) return "unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped) return mapped;
  if (!ip.includes(":")) return ip;
  const [head = "", tail = ""] = ip.toLowerCase().split("%")[0]?.split("::") ?? [];
  const left = head ? head.split(":") : [];
  const right = ip.includes("::") && tail ? tail.split(":") : [];
  const groups = ip.includes("::")
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** `./` for /confirm, `../../` for /2025-s1/nope/deeper: the archive's root from a page. */
function rootOf(requestPath: string): string {
  const depth = requestPath.split("/").length - 2;
  return depth > 0 ? "../".repeat(Math.min(depth, 50)) : "./";
}

/**
 * How long mailing a confirmation takes (the median of the last ones: the first, which
 * loads the compiler, does not count for long), and a wait that makes an answer without
 * mailing last about as long, give or take a fifth.
 */
function sendTimes() {
  const recent: number[] = [];
  return {
    record(ms: number) {
      recent.push(ms);
      if (recent.length > 15) recent.shift();
    },
    async pad(spent: number) {
      const sorted = [...recent].sort((a, b) => a - b);
      // Before any mail went out: a typical SMTP round trip.
      const typical = sorted[Math.floor((sorted.length - 1) / 2)] ?? 300;
      const wait = Math.min(typical * (0.8 + Math.random() * 0.4) - spent, 5000);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    },
  };
}
