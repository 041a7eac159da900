/**
 * Test SNS: messages signed with the test leaf key (test/fixtures/sns), and an HTTPS server
 * on 127.0.0.1 standing for `sns.eu-west-3.amazonaws.com` (the signing certificate, the
 * ConfirmSubscription GETs). Every server started here is closed by `closeSnsServers()`.
 */
import { createSign, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";

export const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/sns");
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), "utf8");
export const CA_FILE = path.join(FIXTURES, "ca.pem");
export const LEAF_PEM = fixture("leaf.pem");
export const LEAF_KEY = fixture("leaf.key");
export const UNTRUSTED_PEM = fixture("untrusted.pem");
export const UNTRUSTED_KEY = fixture("untrusted.key");

export const HOST = "sns.eu-west-3.amazonaws.com";
export const TOPIC = "arn:aws:sns:eu-west-3:123456789012:lettre-ses";
export const CERT_PATH = "/SimpleNotificationService-0123456789abcdef.pem";
export const CERT_URL = `https://${HOST}${CERT_PATH}`;

type Fields = Record<string, string | undefined>;

/**
 * The string SNS signs, written here from AWS's documentation independently of
 * src/inbox/sns.ts: name, newline, value, newline, for these keys in this order.
 */
function canonical(message: Fields): string {
  const keys =
    message.Type === "Notification"
      ? ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
      : ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"];
  let text = "";
  for (const key of keys) {
    const value = message[key];
    if (value === undefined) continue;
    text += `${key}\n${value}\n`;
  }
  return text;
}

/** `message` with SignatureVersion, Signature (and SigningCertURL unless given) set. */
export function signSns(
  message: Fields,
  version: "1" | "2" = "2",
  key: string | KeyObject = LEAF_KEY,
): Record<string, string> {
  const signer = createSign(version === "1" ? "RSA-SHA1" : "RSA-SHA256");
  signer.update(canonical(message), "utf8");
  const signed: Record<string, string> = {};
  for (const [name, value] of Object.entries({ SigningCertURL: CERT_URL, ...message })) {
    if (value !== undefined) signed[name] = value;
  }
  signed.SignatureVersion = version;
  signed.Signature = signer.sign(key, "base64");
  return signed;
}

let counter = 0;

/** An unsigned SNS Notification carrying `ses` (an SES notification, or any string). */
export function notification(ses: unknown, extra: Fields = {}): Fields {
  counter++;
  return {
    Type: "Notification",
    MessageId: `00000000-0000-4000-8000-${String(counter).padStart(12, "0")}`,
    TopicArn: TOPIC,
    Message: typeof ses === "string" ? ses : JSON.stringify(ses),
    Timestamp: new Date().toISOString(),
    UnsubscribeURL: `https://${HOST}/?Action=Unsubscribe&SubscriptionArn=${TOPIC}:x`,
    ...extra,
  };
}

export function subscriptionConfirmation(extra: Fields = {}): Fields {
  counter++;
  const token = `token${counter}`;
  return {
    Type: "SubscriptionConfirmation",
    MessageId: `00000000-0000-4000-9000-${String(counter).padStart(12, "0")}`,
    Token: token,
    TopicArn: TOPIC,
    Message: `You have chosen to subscribe to the topic ${TOPIC}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    SubscribeURL: `https://${HOST}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC)}&Token=${token}`,
    Timestamp: new Date().toISOString(),
    ...extra,
  };
}

/** An SES bounce notification ("Amazon SES notifications" format). */
export function sesBounce(
  bounceType: "Permanent" | "Transient" | "Undetermined",
  recipients: { emailAddress: string; status?: string; diagnosticCode?: string }[],
  sesMessageId = "0102018f-aaaa-bbbb-cccc-000000000001-000000",
  feedbackId = `feedback-${bounceType}-${++counter}`,
) {
  return {
    notificationType: "Bounce",
    bounce: {
      bounceType,
      bounceSubType: "General",
      bouncedRecipients: recipients.map((r) => ({ action: "failed", ...r })),
      timestamp: new Date().toISOString(),
      feedbackId,
      reportingMTA: "dsn; a1-2.smtp-out.eu-west-3.amazonses.com",
    },
    mail: {
      timestamp: new Date().toISOString(),
      source: "lettre@example.org",
      messageId: sesMessageId,
      destination: recipients.map((r) => r.emailAddress),
    },
  };
}

export interface SnsServer {
  port: number;
  /** `127.0.0.1:<port>`, for LETTRE_SNS_CONNECT. */
  connect: string;
  /** Every request's path and query, in order. */
  requests: string[];
  /** The ConfirmSubscription GETs, with their Host header. */
  confirmations: { url: string; host: string | undefined }[];
  close(): Promise<void>;
}

const servers = new Set<SnsServer>();

/**
 * An HTTPS server on 127.0.0.1 with the test leaf (or `tls`): serves `pem` (default the
 * leaf) at any /SimpleNotificationService-….pem and answers ConfirmSubscription GETs.
 */
export async function startSnsServer(
  options: { tls?: { cert: string; key: string }; pem?: string; certStatus?: number } = {},
): Promise<SnsServer> {
  const requests: string[] = [];
  const confirmations: SnsServer["confirmations"] = [];
  const server = https.createServer(
    { cert: options.tls?.cert ?? LEAF_PEM, key: options.tls?.key ?? LEAF_KEY },
    (request, response) => {
      const url = request.url ?? "/";
      requests.push(url);
      if (request.method === "GET" && /^\/SimpleNotificationService-[\w-]+\.pem$/.test(url)) {
        response.writeHead(options.certStatus ?? 200, { "content-type": "application/x-pem-file" });
        response.end(options.pem ?? LEAF_PEM);
        return;
      }
      if (request.method === "GET" && url.startsWith("/?Action=ConfirmSubscription")) {
        confirmations.push({ url, host: request.headers.host });
        response.writeHead(200, { "content-type": "text/xml" });
        response.end(
          "<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>arn</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>",
        );
        return;
      }
      response.writeHead(404);
      response.end();
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const started: SnsServer = {
    port,
    connect: `127.0.0.1:${port}`,
    requests,
    confirmations,
    close: () =>
      new Promise<void>((resolve) => {
        servers.delete(started);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  servers.add(started);
  return started;
}

/** Closes every server `startSnsServer` started and not closed yet. */
export async function closeSnsServers(): Promise<void> {
  await Promise.all([...servers].map((server) => server.close()));
}
