/**
 * Transports behind one small interface, as nodemailer's are: `outbox` writes .eml files (the
 * default, so a new user can try a send with no mail server), `smtp` is a nodemailer pool.
 * A transport is named by a URL: outbox:<folder>, smtp://host:port, smtps://user@host:port,
 * ses://<region> (Amazon SES through nodemailer). Secrets come from the environment:
 * LETTRE_SMTP_PASSWORD, LETTRE_DKIM_PRIVATE_KEY, and AWS's own variables for SES
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY…).
 */
import { createHash } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import { t } from "../core/i18n.ts";
import type { OutgoingMessage } from "./message.ts";
import { LOCAL_HOSTS, parseTransport } from "./transport-url.ts";

export interface SendResult {
  response: string;
}

export interface Transport {
  /** How many messages may be in flight at once. */
  readonly concurrency: number;
  send(message: OutgoingMessage): Promise<SendResult>;
  close(): Promise<void>;
}

export interface TransportOptions {
  connections: number;
  rate: number;
  dkim?: { domain: string; selector: string } | undefined;
  env?: NodeJS.ProcessEnv;
}

export class TransportError extends Error {
  readonly code = "ETRANSPORT";
}

function dkimOptions(options: TransportOptions) {
  const privateKey = options.env?.LETTRE_DKIM_PRIVATE_KEY;
  if (!options.dkim) return {};
  if (!privateKey) throw new TransportError(t("transport-dkim-key"));
  return {
    dkim: {
      domainName: options.dkim.domain,
      keySelector: options.dkim.selector,
      privateKey,
      // Sign the List-* headers too, so that they cannot be altered on the way.
      headerFieldNames:
        "From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:List-Unsubscribe:List-Unsubscribe-Post:List-Id",
    },
  };
}

/**
 * The code of the error a send gets when the server would not encrypt the connection
 * (no STARTTLS, or STARTTLS refused) while lettre has a password to give it: the password
 * was not sent, and no message can be. Fatal for the whole send.
 */
export const TLS_REQUIRED = "ETLSREQUIRED";

/**
 * The code of the error a send gets when the server's certificate does not hold (expired,
 * self-signed, made for another name): nothing can be sent until the transport is fixed, so
 * it is fatal for the whole send, never retried message by message.
 */
export const TLS_CERTIFICATE = "ETLSCERT";

/** Node's codes for a certificate that does not hold (nodemailer keeps them as originalCode). */
const CERTIFICATE =
  /^(CERT_|ERR_TLS_CERT|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED_CERT|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH)/;

export function createTransport(url: string, options: TransportOptions): Transport {
  const env = options.env ?? process.env;
  // A mistyped URL says which forms are accepted, and which one was probably meant.
  const transport = parseTransport(url);
  if ("problem" in transport) throw new TransportError(transport.problem);
  if (transport.kind === "outbox") return outbox(transport.folder, options);
  if (transport.kind === "ses") return ses(transport.region, { ...options, env });
  const parsed = transport.url;
  const secure = parsed.protocol === "smtps:";
  const user = decodeURIComponent(parsed.username);
  // smtp://[::1]:25 → ::1, the address to connect to and to compare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  const local = LOCAL_HOSTS.includes(host);
  // A password goes only over an encrypted connection: smtps://, or STARTTLS required (a
  // server that does not offer it, or someone on the way who strips it from its answer,
  // gets no login and no message). Local test relays are exempt, as from certificate checks.
  const requireTLS = Boolean(user) && !secure && !local;
  const pool = nodemailer.createTransport({
    pool: true,
    host,
    port: Number(parsed.port) || (secure ? 465 : 587),
    secure,
    maxConnections: options.connections,
    maxMessages: Number.POSITIVE_INFINITY,
    rateDelta: 1000,
    rateLimit: Math.max(1, Math.round(options.rate)),
    ...(user ? { auth: { user, pass: env.LETTRE_SMTP_PASSWORD ?? "" } } : {}),
    ...(requireTLS ? { requireTLS: true } : {}),
    // Loopback test servers use self-signed certificates; real hosts are verified.
    tls: { rejectUnauthorized: !local },
    ...dkimOptions({ ...options, env }),
  });
  return {
    concurrency: options.connections,
    async send(message) {
      try {
        const info = await pool.sendMail(message);
        return { response: String(info.response ?? "") };
      } catch (error) {
        const e = error as { code?: string; command?: string; originalCode?: string };
        // The server answered STARTTLS with a refusal (it does not offer it): nothing was
        // sent, the login included.
        if (requireTLS && e.code === "ETLS" && e.command === "STARTTLS") {
          throw Object.assign(error as Error, { code: TLS_REQUIRED });
        }
        // nodemailer reports a certificate that does not hold as a socket error (ESOCKET):
        // not a server out of reach, and no retry will fix it.
        if (CERTIFICATE.test(e.originalCode ?? "")) {
          throw Object.assign(error as Error, { code: TLS_CERTIFICATE });
        }
        throw error;
      }
    },
    async close() {
      pool.close();
    },
  };
}

function outbox(folder: string, options: TransportOptions): Transport {
  const stream = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: "windows",
    ...dkimOptions({ ...options, env: options.env ?? process.env }),
  });
  return {
    concurrency: 4,
    async send(message) {
      const info = await stream.sendMail(message);
      const file = outboxFile(folder, message.messageId);
      await mkdir(folder, { recursive: true });
      await writeFile(`${file}.tmp`, info.message as Buffer);
      await rename(`${file}.tmp`, file);
      return { response: `written ${file}` };
    },
    async close() {},
  };
}

/**
 * The outbox file of a message: its Message-ID made a plain file name (letters, digits, `.`,
 * `_`, `@`, `-`; no leading dot; at most 200 characters), checked to stay in `folder`
 * whatever the Message-ID holds.
 */
export function outboxFile(folder: string, messageId: string): string {
  let name = messageId
    .replace(/[<>]/g, "")
    .replace(/[^A-Za-z0-9._@-]/g, "_")
    .replace(/^\.+/, "");
  if (name.length > 200) {
    const hash = createHash("sha256").update(name).digest("hex").slice(0, 16);
    name = `${name.slice(0, 183)}.${hash}`;
  }
  const dir = path.resolve(folder);
  const file = path.resolve(dir, `${name || "message"}.eml`);
  if (path.dirname(file) !== dir) throw new TransportError(`outbox: unsafe file name ${name}`);
  return file;
}

/**
 * Amazon SES (API v2) through nodemailer. SES answers with HTTP errors, not SMTP codes:
 * they are given one (454 temporary: throttling, server errors; 554 permanent: rejected
 * message or address) so the journal treats them as it treats SMTP. The AWS SDK is loaded
 * on the first message only. `LETTRE_SES_ENDPOINT` points it elsewhere (tests, a proxy).
 */
function ses(region: string, options: TransportOptions & { env: NodeJS.ProcessEnv }): Transport {
  let mailer: ReturnType<typeof nodemailer.createTransport> | undefined;
  const start = async () => {
    const { SESv2Client, SendEmailCommand } = await import("@aws-sdk/client-sesv2");
    const endpoint = options.env.LETTRE_SES_ENDPOINT;
    const sesClient = new SESv2Client({
      region,
      maxAttempts: 1,
      ...(endpoint ? { endpoint } : {}),
    });
    return nodemailer.createTransport({
      SES: { sesClient, SendEmailCommand },
      ...dkimOptions(options),
    } as Parameters<typeof nodemailer.createTransport>[0]);
  };
  return {
    concurrency: options.connections,
    async send(message) {
      mailer ??= await start();
      try {
        const info = await mailer.sendMail(message);
        return { response: `SES ${String((info as { messageId?: string }).messageId ?? "")}` };
      } catch (error) {
        const e = error as {
          name?: string;
          message?: string;
          code?: string;
          syscall?: string;
          $metadata?: { httpStatusCode?: number };
        };
        const status = e.$metadata?.httpStatusCode ?? 0;
        const response = `${status || e.code || ""} ${e.name ?? ""} ${e.message ?? ""}`.trim();
        const failure = new Error(`${e.name ?? "SES"}: ${e.message ?? ""}`);
        if (status === 0) {
          // No credentials: nothing was sent, and nothing will be until they are given.
          if (e.name === "CredentialsProviderError") {
            throw Object.assign(failure, { code: "EAUTH", response });
          }
          // SES was never reached (refused, no such host, TLS failed): it does not have the
          // message. Temporary: retried, then deferred.
          if (neverReached(e)) throw Object.assign(failure, { code: "ENOTSENT", response });
          // The request may have gone out (a reset or a timeout after it was written): SES
          // may have the message (ambiguous, not retried blindly).
          throw Object.assign(failure, { code: "EAMBIGUOUS", response });
        }
        const temporary =
          status === 429 || status >= 500 || /Throttl|TooManyRequests/.test(e.name ?? "");
        throw Object.assign(failure, {
          responseCode: temporary ? 454 : 554,
          // MessageRejected is about this message and address; other refusals (credentials,
          // unverified sender, paused account) are about the whole send.
          ...(e.name === "MessageRejected" ? { code: "EREJECTED" } : {}),
          response,
        });
      }
    },
    async close() {
      mailer?.close();
    },
  };
}

/** Errors raised before any byte of the request could reach the server. */
const NOT_CONNECTED = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
]);

function neverReached(error: { code?: string; syscall?: string; message?: string }): boolean {
  const code = error.code ?? "";
  if (NOT_CONNECTED.has(code) || error.syscall === "connect" || error.syscall === "getaddrinfo") {
    return true;
  }
  // A TLS handshake that failed (bad certificate, reset during the handshake): the request
  // is only written once the secure connection is established.
  return (
    /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code) ||
    /before secure TLS connection was established/i.test(error.message ?? "")
  );
}
