/**
 * Transports behind one small interface, as nodemailer's are: `outbox` writes .eml files (the
 * default, so a new user can try a send with no mail server), `smtp` is a nodemailer pool.
 * A transport is named by a URL: outbox:<folder>, smtp://host:port, smtps://user@host:port.
 * Secrets come from the environment: LETTRE_SMTP_PASSWORD, LETTRE_DKIM_PRIVATE_KEY.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import type { OutgoingMessage } from "./message.ts";

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
  if (!privateKey) throw new TransportError("dkim: LETTRE_DKIM_PRIVATE_KEY is not set");
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

export function createTransport(url: string, options: TransportOptions): Transport {
  const env = options.env ?? process.env;
  if (url.startsWith("outbox:")) return outbox(url.slice("outbox:".length) || "outbox", options);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TransportError(
      `transport "${url}": use outbox:<folder>, smtp://host:port or smtps://user@host:port`,
    );
  }
  if (parsed.protocol !== "smtp:" && parsed.protocol !== "smtps:") {
    throw new TransportError(
      `transport "${url}": use outbox:<folder>, smtp://host:port or smtps://user@host:port`,
    );
  }
  const secure = parsed.protocol === "smtps:";
  const user = decodeURIComponent(parsed.username);
  const pool = nodemailer.createTransport({
    pool: true,
    host: parsed.hostname,
    port: Number(parsed.port) || (secure ? 465 : 587),
    secure,
    maxConnections: options.connections,
    maxMessages: Number.POSITIVE_INFINITY,
    rateDelta: 1000,
    rateLimit: Math.max(1, Math.round(options.rate)),
    ...(user ? { auth: { user, pass: env.LETTRE_SMTP_PASSWORD ?? "" } } : {}),
    // Loopback test servers use self-signed certificates; real hosts are verified.
    tls: { rejectUnauthorized: !["127.0.0.1", "localhost", "::1"].includes(parsed.hostname) },
    ...dkimOptions({ ...options, env }),
  });
  return {
    concurrency: options.connections,
    async send(message) {
      const info = await pool.sendMail(message);
      return { response: String(info.response ?? "") };
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
      const id = message.messageId.replace(/[<>]/g, "");
      const file = path.join(folder, `${id}.eml`);
      await mkdir(folder, { recursive: true });
      await writeFile(`${file}.tmp`, info.message as Buffer);
      await rename(`${file}.tmp`, file);
      return { response: `written ${file}` };
    },
    async close() {},
  };
}
