/**
 * Amazon SES notifications through Amazon SNS: the messages SNS posts to `lettre serve`
 * (`POST /sns`, src/serve/sns.ts), verified before anything is believed.
 *
 * - `verifySnsMessage` checks the JSON shape, the signature version (1: RSA-SHA1, 2:
 *   RSA-SHA256), the Timestamp (not older than an hour), the topic (when a list is given),
 *   then fetches the signing certificate from SigningCertURL (HTTPS only, TLS verified, only
 *   from `sns.<region>.amazonaws.com[.cn]`, cached) and verifies the signature of the string
 *   AWS documents ("Verifying the signatures of Amazon SNS messages"). Every refusal is an
 *   `SnsError` with a `reason` code; nothing else is ever thrown.
 * - `confirmSubscription` visits the SubscribeURL of a verified SubscriptionConfirmation.
 * - `sesEvents` reads the SES notification a verified Notification carries: bounces and
 *   complaints, matched later by the SES message id `lettre send` records.
 *
 * Tests (and a proxy) use two environment variables, passed as `SnsOptions.env`:
 * `LETTRE_SNS_CONNECT=host:port` makes the HTTPS fetches connect there while still sending
 * SNI and checking the server's certificate for the `sns.<region>.amazonaws.com` name of the
 * URL; `LETTRE_SNS_CA=<file.pem>` adds CAs to trust for those fetches (besides Node's own).
 */

import { verify as cryptoVerify, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import https from "node:https";
import tls from "node:tls";
import { z } from "zod";

/** Why a message was refused (or a confirmation failed). */
export type SnsReason =
  /** Not JSON of an SNS message: a field missing, of the wrong type, a bad Timestamp. */
  | "shape"
  /** SignatureVersion other than "1" or "2". */
  | "version"
  /** Signature is not base64. */
  | "signature-encoding"
  /** The signature does not match the message and the certificate's key. */
  | "signature"
  /** Timestamp older than `maxAgeMs` (default one hour) or more than 5 minutes ahead. */
  | "stale"
  /** TopicArn not among `SnsOptions.topics`. */
  | "topic"
  /** SigningCertURL not an `https://sns.<region>.amazonaws.com/SimpleNotificationService-….pem`. */
  | "cert-url"
  /** The certificate server was not trusted (TLS), or what it served is no valid certificate. */
  | "cert-untrusted"
  /** The certificate could not be fetched now (network, timeout, server error): try later. */
  | "cert-unavailable"
  /** SubscribeURL not an `https://sns.<region>.amazonaws.com/?Action=ConfirmSubscription…`. */
  | "subscribe-url"
  /** Visiting the SubscribeURL failed. */
  | "subscribe-failed"
  /** LETTRE_SNS_CONNECT or LETTRE_SNS_CA unusable. */
  | "config";

export class SnsError extends Error {
  readonly reason: SnsReason;
  constructor(reason: SnsReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SnsError";
    this.reason = reason;
  }
  /** True when the same message may be accepted later (SNS should retry it). */
  get retryable(): boolean {
    return this.reason === "cert-unavailable" || this.reason === "config";
  }
}

export interface SnsOptions {
  /** Where LETTRE_SNS_CONNECT and LETTRE_SNS_CA are read (never process.env directly). */
  env?: NodeJS.ProcessEnv;
  /** The TopicArns accepted. Absent: any topic (the signature still proves it is from SNS). */
  topics?: readonly string[];
  /** Oldest Timestamp accepted, in milliseconds. Default one hour. */
  maxAgeMs?: number;
  /** The clock (tests). */
  now?: () => number;
  /** Longest wait for an HTTPS fetch, in milliseconds. Default 5 s. */
  fetchTimeoutMs?: number;
}

const HOUR_MS = 60 * 60 * 1000;
/** A little clock skew between AWS and this machine. */
const FUTURE_MS = 5 * 60 * 1000;
/** An SNS signing certificate is about 2 KB. */
const MAX_CERT_BYTES = 16 * 1024;
/** The answer to ConfirmSubscription is a short XML document. */
const MAX_CONFIRM_BYTES = 64 * 1024;
const FETCH_MS = 5000;
const CACHE_ENTRIES = 32;
/** A certificate is fetched again after a day (AWS rotates them; a stale one is not kept). */
const CACHE_MS = 24 * HOUR_MS;
/** Certificate fetches at once: forged messages naming many URLs cannot pile them up. */
const MAX_FETCHING = 8;

/**
 * SNS in a region: `sns.eu-west-3.amazonaws.com`, `sns.cn-north-1.amazonaws.com.cn`. Not any
 * `sns.<label>.amazonaws.com`: `sns.s3.amazonaws.com` is the host of an S3 bucket named
 * "sns", whoever owns it.
 */
export const SNS_HOST = /^sns\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com(\.cn)?$/;
const CERT_PATH = /^\/SimpleNotificationService-[A-Za-z0-9_-]{1,128}\.pem$/;

const common = {
  MessageId: z.string().min(1).max(256),
  TopicArn: z.string().min(1).max(1024),
  Message: z.string(),
  Timestamp: z.string().min(1).max(64),
  SignatureVersion: z.enum(["1", "2"]),
  Signature: z.string().min(1).max(8192),
  SigningCertURL: z.string().min(1).max(2048),
};
const notificationSchema = z.object({
  Type: z.literal("Notification"),
  ...common,
  Subject: z.string().max(1024).optional(),
  UnsubscribeURL: z.string().max(4096).optional(),
});
const confirmationSchema = z.object({
  Type: z.enum(["SubscriptionConfirmation", "UnsubscribeConfirmation"]),
  ...common,
  SubscribeURL: z.string().min(1).max(4096),
  Token: z.string().min(1).max(4096),
});
const messageSchema = z.discriminatedUnion("Type", [notificationSchema, confirmationSchema]);

export type SnsNotification = z.infer<typeof notificationSchema>;
export type SnsConfirmation = z.infer<typeof confirmationSchema>;
/** A verified SNS message (unknown fields dropped). */
export type SnsMessage = SnsNotification | SnsConfirmation;
export const SNS_TYPES = ["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"];

/**
 * The string SNS signs: for each key, in byte order, its name, a newline, its value, a
 * newline. Notification: Message, MessageId, Subject (only when present), Timestamp,
 * TopicArn, Type. Confirmations: Message, MessageId, SubscribeURL, Timestamp, Token,
 * TopicArn, Type.
 */
export function stringToSign(message: SnsMessage): string {
  const pairs: [string, string][] =
    message.Type === "Notification"
      ? [
          ["Message", message.Message],
          ["MessageId", message.MessageId],
          ...(typeof message.Subject === "string"
            ? [["Subject", message.Subject] as [string, string]]
            : []),
          ["Timestamp", message.Timestamp],
          ["TopicArn", message.TopicArn],
          ["Type", message.Type],
        ]
      : [
          ["Message", message.Message],
          ["MessageId", message.MessageId],
          ["SubscribeURL", message.SubscribeURL],
          ["Timestamp", message.Timestamp],
          ["Token", message.Token],
          ["TopicArn", message.TopicArn],
          ["Type", message.Type],
        ];
  return pairs.map(([key, value]) => `${key}\n${value}\n`).join("");
}

/** Parses and verifies a message SNS posted. Rejects with an `SnsError` only. */
export async function verifySnsMessage(
  body: unknown,
  options: SnsOptions = {},
): Promise<SnsMessage> {
  try {
    return await verify(body, options);
  } catch (error) {
    if (error instanceof SnsError) throw error;
    throw new SnsError("signature", `verification failed: ${String(error)}`, { cause: error });
  }
}

async function verify(body: unknown, options: SnsOptions): Promise<SnsMessage> {
  // SNS leaves Subject out when there is none; a null one is taken as absent.
  const input =
    isRecord(body) && body.Subject === null ? { ...body, Subject: undefined } : (body ?? {});
  const parsed = messageSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "message";
    if (issue?.path[0] === "SignatureVersion") {
      const version = isRecord(body) ? String(body.SignatureVersion).slice(0, 20) : "";
      throw new SnsError("version", `unknown SignatureVersion ${JSON.stringify(version)}`);
    }
    throw new SnsError("shape", `not an SNS message: ${where}: ${issue?.message ?? "invalid"}`);
  }
  const message = parsed.data;

  const signature = message.Signature;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature) || signature.length % 4 !== 0) {
    throw new SnsError("signature-encoding", "Signature is not base64");
  }

  const now = options.now?.() ?? Date.now();
  const sent = parseTimestamp(message.Timestamp);
  if (sent === undefined) throw new SnsError("shape", "Timestamp is not an ISO 8601 date");
  if (now - sent > (options.maxAgeMs ?? HOUR_MS)) {
    throw new SnsError("stale", `Timestamp ${message.Timestamp} is too old`);
  }
  if (sent - now > FUTURE_MS) {
    throw new SnsError("stale", `Timestamp ${message.Timestamp} is in the future`);
  }

  if (options.topics && !options.topics.includes(message.TopicArn)) {
    throw new SnsError("topic", `topic ${message.TopicArn.slice(0, 200)} is not accepted`);
  }

  const certUrl = signingCertUrl(message.SigningCertURL);
  if (message.Type !== "Notification") subscribeUrl(message.SubscribeURL);

  const certificate = await signingCertificate(certUrl, options, now);
  const data = Buffer.from(stringToSign(message), "utf8");
  let valid = false;
  try {
    valid = cryptoVerify(
      message.SignatureVersion === "1" ? "sha1" : "sha256",
      data,
      certificate.publicKey,
      Buffer.from(signature, "base64"),
    );
  } catch {
    valid = false;
  }
  if (!valid) throw new SnsError("signature", "the signature does not match the message");
  return message;
}

export type Confirmation = { ok: true } | { ok: false; error: SnsError };

/**
 * Confirms the subscription a verified SubscriptionConfirmation asks for, by visiting its
 * SubscribeURL (the same host rule and the same verified HTTPS as the certificate).
 */
export async function confirmSubscription(
  message: SnsMessage,
  options: SnsOptions = {},
): Promise<Confirmation> {
  try {
    if (message.Type !== "SubscriptionConfirmation") {
      throw new SnsError("subscribe-url", `a ${message.Type} confirms nothing`);
    }
    const url = subscribeUrl(message.SubscribeURL);
    const answer = await httpsGet(url, options, MAX_CONFIRM_BYTES);
    if (answer.status !== 200) {
      throw new SnsError(
        "subscribe-failed",
        `SNS answered ${answer.status} to ConfirmSubscription`,
      );
    }
    return { ok: true };
  } catch (error) {
    if (error instanceof SnsError) return { ok: false, error };
    if (error instanceof FetchError) {
      return {
        ok: false,
        error: new SnsError("subscribe-failed", error.message, { cause: error }),
      };
    }
    return { ok: false, error: new SnsError("subscribe-failed", String(error), { cause: error }) };
  }
}

/** What SES says about one message it sent. */
export interface SesEvent {
  kind: "bounce" | "complaint";
  /**
   * A bounce SES calls Permanent (suppress the address). Transient and Undetermined bounces
   * are temporary (the soft count): Undetermined means SES could not tell, and one such
   * bounce must not remove a reader. Always false for a complaint (as in `Report`): a
   * complaint is acted on by its kind.
   */
  permanent: boolean;
  /** The bounced or complaining addresses, lowercased. */
  recipients: string[];
  /** `mail.messageId`: the id SES gave the message, which `lettre send` records. */
  sesMessageId: string;
  /** Bounce: the status (`5.1.1`) and diagnostic of the first recipient that has them. */
  status?: string;
  diagnostic?: string;
  /** Complaint: `complaintFeedbackType` (`abuse`, `fraud`…) when given. */
  feedbackType?: string;
  /**
   * `bounce.feedbackId` or `complaint.feedbackId`: stable across SNS retries, the key that
   * makes acting on an event idempotent (`sns:<MessageId>` if SES ever left it out).
   */
  feedbackId: string;
}

/** The events of a notification; `reason` says why a malformed one gave none. */
export type SesEvents = SesEvent[] & { reason?: string };

const recipientsSchema = z.array(z.unknown()).max(10_000);
const sesSchema = z.object({
  notificationType: z.string().optional(),
  eventType: z.string().optional(),
  mail: z.object({ messageId: z.string().min(1).max(512) }),
  bounce: z
    .object({
      bounceType: z.string(),
      bouncedRecipients: recipientsSchema,
      feedbackId: z.string().min(1).max(512).optional(),
    })
    .optional(),
  complaint: z
    .object({
      complainedRecipients: recipientsSchema,
      feedbackId: z.string().min(1).max(512).optional(),
      complaintFeedbackType: z.string().max(200).optional(),
    })
    .optional(),
});

/**
 * Reads the SES notification in a Notification's Message: the "Amazon SES notifications"
 * format (`notificationType`) and the "event publishing" one (`eventType`). Bounces and
 * complaints give one event each; deliveries and other events give none. A complaint whose
 * feedback type is `not-spam` (the reader said it is not spam) gives none either. Never throws.
 */
export function sesEvents(message: SnsMessage): SesEvents {
  const none = (reason?: string): SesEvents =>
    reason === undefined ? [] : Object.assign([] as SesEvent[], { reason });
  if (message.Type !== "Notification") return none(`a ${message.Type} carries no SES event`);
  let json: unknown;
  try {
    json = JSON.parse(message.Message);
  } catch {
    return none("Message is not JSON");
  }
  const parsed = sesSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return none(
      `Message is not an SES notification: ${issue?.path.join(".") || "message"}: ${issue?.message ?? "invalid"}`,
    );
  }
  const ses = parsed.data;
  const type = ses.notificationType ?? ses.eventType;
  if (type === undefined) return none("Message has neither notificationType nor eventType");
  const sesMessageId = ses.mail.messageId;
  const fallbackId = `sns:${message.MessageId}`;

  if (type === "Bounce") {
    const bounce = ses.bounce;
    if (!bounce) return none("a Bounce without bounce");
    if (!["Permanent", "Transient", "Undetermined"].includes(bounce.bounceType)) {
      return none(`unknown bounceType ${JSON.stringify(bounce.bounceType.slice(0, 40))}`);
    }
    const found = recipientsOf(bounce.bouncedRecipients);
    if (found.recipients.length === 0) return none("a Bounce without recipients");
    return [
      {
        kind: "bounce",
        permanent: bounce.bounceType === "Permanent",
        recipients: found.recipients,
        sesMessageId,
        ...(found.status ? { status: found.status } : {}),
        ...(found.diagnostic ? { diagnostic: found.diagnostic } : {}),
        feedbackId: bounce.feedbackId ?? fallbackId,
      },
    ];
  }
  if (type === "Complaint") {
    const complaint = ses.complaint;
    if (!complaint) return none("a Complaint without complaint");
    if (complaint.complaintFeedbackType?.toLowerCase() === "not-spam") return none();
    const found = recipientsOf(complaint.complainedRecipients);
    if (found.recipients.length === 0) return none("a Complaint without recipients");
    return [
      {
        kind: "complaint",
        permanent: false,
        recipients: found.recipients,
        sesMessageId,
        ...(complaint.complaintFeedbackType
          ? { feedbackType: complaint.complaintFeedbackType }
          : {}),
        feedbackId: complaint.feedbackId ?? fallbackId,
      },
    ];
  }
  // Delivery, Send, Open, Click, DeliveryDelay…: nothing to act on.
  return none();
}

function recipientsOf(list: unknown[]): {
  recipients: string[];
  status?: string;
  diagnostic?: string;
} {
  const recipients: string[] = [];
  let status: string | undefined;
  let diagnostic: string | undefined;
  for (const item of list) {
    if (!isRecord(item) || typeof item.emailAddress !== "string") continue;
    const address = bareAddress(item.emailAddress);
    if (address && !recipients.includes(address)) recipients.push(address);
    if (status === undefined && typeof item.status === "string" && item.status) {
      status = item.status.slice(0, 32);
    }
    if (
      diagnostic === undefined &&
      typeof item.diagnosticCode === "string" &&
      item.diagnosticCode
    ) {
      diagnostic = item.diagnosticCode.slice(0, 1000);
    }
  }
  return {
    recipients,
    ...(status !== undefined ? { status } : {}),
    ...(diagnostic !== undefined ? { diagnostic } : {}),
  };
}

/** `a@b.example`, or the address of `"Name" <a@b.example>`, lowercased; "" if none. */
function bareAddress(value: string): string {
  const bracketed = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(value)?.[1];
  const address = (bracketed ?? value).trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+$/.test(address) && address.length <= 320 ? address : "";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Milliseconds of an ISO 8601 date-time with its zone (SNS: `2024-05-02T00:54:06.655Z`). */
function parseTimestamp(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    return undefined;
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** An https URL on an SNS host: no user, no port but the default. */
function snsHostUrl(raw: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" || url.username || url.password || url.port !== "")
    return undefined;
  if (!SNS_HOST.test(url.hostname) || url.hash) return undefined;
  return url;
}

export function signingCertUrl(raw: string): URL {
  const url = snsHostUrl(raw);
  if (!url || !CERT_PATH.test(url.pathname) || url.search) {
    throw new SnsError("cert-url", `SigningCertURL not from SNS: ${raw.slice(0, 200)}`);
  }
  return url;
}

export function subscribeUrl(raw: string): URL {
  const url = snsHostUrl(raw);
  const confirms =
    url?.pathname === "/" && url.searchParams.get("Action") === "ConfirmSubscription";
  if (!url || !confirms) {
    throw new SnsError("subscribe-url", `SubscribeURL not from SNS: ${raw.slice(0, 200)}`);
  }
  return url;
}

interface CacheEntry {
  certificate: Promise<X509Certificate>;
  fetched: number;
}
const certificates = new Map<string, CacheEntry>();
let fetching = 0;

/** The certificate at `url`, fetched once (per connect address and CA) and kept a day. */
async function signingCertificate(
  url: URL,
  options: SnsOptions,
  now: number,
): Promise<X509Certificate> {
  const env = options.env ?? {};
  const key = `${env.LETTRE_SNS_CONNECT ?? ""}|${env.LETTRE_SNS_CA ?? ""}|${url.href}`;
  let entry = certificates.get(key);
  if (entry && Date.now() - entry.fetched > CACHE_MS) {
    certificates.delete(key);
    entry = undefined;
  }
  if (!entry) {
    if (fetching >= MAX_FETCHING) {
      throw new SnsError("cert-unavailable", "too many certificate fetches at once");
    }
    fetching++;
    const certificate = fetchCertificate(url, options).finally(() => {
      fetching--;
    });
    entry = { certificate, fetched: Date.now() };
    certificates.set(key, entry);
    while (certificates.size > CACHE_ENTRIES) {
      const oldest = certificates.keys().next().value;
      if (oldest === undefined) break;
      certificates.delete(oldest);
    }
    // A failure is not kept: the next message fetches again.
    certificate.catch(() => {
      if (certificates.get(key) === entry) certificates.delete(key);
    });
  }
  const certificate = await entry.certificate;
  if (now < certificate.validFromDate.getTime() || now > certificate.validToDate.getTime()) {
    throw new SnsError("cert-untrusted", `the signing certificate is not valid now`);
  }
  return certificate;
}

async function fetchCertificate(url: URL, options: SnsOptions): Promise<X509Certificate> {
  let answer: { status: number; body: Buffer };
  try {
    answer = await httpsGet(url, options, MAX_CERT_BYTES);
  } catch (error) {
    if (error instanceof FetchError) {
      throw new SnsError(
        error.untrusted ? "cert-untrusted" : "cert-unavailable",
        `signing certificate: ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
  if (answer.status !== 200) {
    throw new SnsError(
      answer.status >= 500 ? "cert-unavailable" : "cert-untrusted",
      `signing certificate: the server answered ${answer.status}`,
    );
  }
  const pem = answer.body.toString("utf8");
  if (!pem.trimStart().startsWith("-----BEGIN CERTIFICATE-----")) {
    throw new SnsError("cert-untrusted", "signing certificate: not a PEM certificate");
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch (error) {
    throw new SnsError("cert-untrusted", "signing certificate: unreadable", { cause: error });
  }
  if (certificate.publicKey.asymmetricKeyType !== "rsa") {
    throw new SnsError("cert-untrusted", "signing certificate: not an RSA key");
  }
  return certificate;
}

/** A failed HTTPS fetch; `untrusted` when TLS refused the server or the answer was too big. */
class FetchError extends Error {
  readonly untrusted: boolean;
  constructor(message: string, untrusted: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = "FetchError";
    this.untrusted = untrusted;
  }
}

/** OpenSSL's and Node's codes for a certificate refused. */
const TLS_REFUSED = /CERT|SELF_SIGNED|ISSUER|LEAF_SIGNATURE|HOSTNAME|ALTNAME|UNTRUSTED/;

/**
 * GET over HTTPS with the system's (and LETTRE_SNS_CA's) CAs, the server's certificate
 * checked for the URL's host name even when LETTRE_SNS_CONNECT sends the connection
 * elsewhere; at most `maxBytes` of answer and FETCH_MS (or `fetchTimeoutMs`) in all.
 */
async function httpsGet(
  url: URL,
  options: SnsOptions,
  maxBytes: number,
): Promise<{ status: number; body: Buffer }> {
  const env = options.env ?? {};
  const timeout = options.fetchTimeoutMs ?? FETCH_MS;
  const connect = connectAddress(env.LETTRE_SNS_CONNECT);
  let extraCa: string | undefined;
  if (env.LETTRE_SNS_CA) {
    try {
      extraCa = await readFile(env.LETTRE_SNS_CA, "utf8");
    } catch (error) {
      throw new SnsError("config", `LETTRE_SNS_CA: cannot read ${env.LETTRE_SNS_CA}`, {
        cause: error,
      });
    }
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: FetchError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      reject(error);
    };
    const request = https.request({
      method: "GET",
      host: connect?.host ?? url.hostname,
      port: connect?.port ?? 443,
      path: `${url.pathname}${url.search}`,
      servername: url.hostname,
      headers: { host: url.hostname, accept: "*/*", "user-agent": "lettre" },
      ...(extraCa ? { ca: [...tls.getCACertificates("default"), extraCa] } : {}),
      rejectUnauthorized: true,
      agent: false,
    });
    const timer = setTimeout(
      () => fail(new FetchError(`no answer from ${url.hostname} in ${timeout} ms`, false)),
      timeout,
    );
    request.on("error", (error: NodeJS.ErrnoException) => {
      const code = error.code ?? "";
      fail(new FetchError(`${url.hostname}: ${code || error.message}`, TLS_REFUSED.test(code)));
    });
    request.on("response", (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          fail(new FetchError(`${url.hostname}: answer larger than ${maxBytes} bytes`, true));
          return;
        }
        chunks.push(chunk);
      });
      response.on("error", (error) =>
        fail(new FetchError(`${url.hostname}: ${error.message}`, false)),
      );
      response.on("end", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) });
      });
    });
    request.end();
  });
}

function connectAddress(value: string | undefined): { host: string; port: number } | undefined {
  if (!value) return undefined;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(value.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SnsError("config", `LETTRE_SNS_CONNECT is not host:port: ${value.slice(0, 100)}`);
  }
  return { host, port };
}

/** Forgets the cached certificates (tests). */
export function clearCertificateCache(): void {
  certificates.clear();
}
