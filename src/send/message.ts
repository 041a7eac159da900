/**
 * One message per recipient: the compiled issue with the subscriber's fields filled in, the
 * unsubscribe link signed for that address, and the headers mail providers expect of a
 * newsletter (List-Unsubscribe with https and mailto, one-click POST, RFC 2369 / 8058).
 */
import { createHash, createHmac } from "node:crypto";
import type { Config } from "../config/index.ts";
import { escapeHtml } from "../core/html.ts";
import type { Subscriber } from "./lists.ts";

export interface Compiled {
  slug: string;
  subject: string;
  html: string;
  text: string;
}

export interface OutgoingMessage {
  from: { name: string; address: string };
  to: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
}

/** `{{subscriber.firstName}}`, or with a fallback: `{{subscriber.firstName|Madame, Monsieur}}`. */
const FIELD = /\{\{\s*subscriber\.([A-Za-z0-9_]+)\s*(?:\|([^}]*))?\}\}/g;

export function signature(secret: string, list: string, email: string): string {
  return createHmac("sha256", secret).update(`${list}\n${email}`).digest("base64url").slice(0, 32);
}

/** The same issue, list and address always give the same Message-ID: a resend is recognisable. */
export function messageId(slug: string, list: string, email: string, domain: string): string {
  const hash = createHash("sha256").update(`${slug}\n${list}\n${email}`).digest("hex").slice(0, 24);
  return `<${slug}.${hash}@${domain}>`;
}

export function unsubscribeLinks(config: Config, secret: string, list: string, email: string) {
  const token = signature(secret, list, email);
  const base = config.sending.unsubscribeUrl ?? `${config.site.url}/unsubscribe`;
  const url = new URL(base);
  url.searchParams.set("list", list);
  url.searchParams.set("email", email);
  url.searchParams.set("token", token);
  const mailto = config.sending.unsubscribeMailto ?? config.sender.address;
  const subject = encodeURIComponent(`unsubscribe ${list} ${email} ${token}`);
  return { url: url.href, mailto: `mailto:${mailto}?subject=${subject}` };
}

export function buildMessage(
  compiled: Compiled,
  subscriber: Pick<Subscriber, "email" | "address" | "fields">,
  list: string,
  config: Config,
  secret: string,
): OutgoingMessage {
  const links = unsubscribeLinks(config, secret, list, subscriber.email);
  const fill = (content: string, encode: (s: string) => string) =>
    content
      .replace(FIELD, (_, field: string, fallback?: string) => {
        // The fallback is part of the issue, already in the part's own form (HTML or text).
        const value = subscriber.fields[field]?.trim();
        return value ? encode(value) : (fallback ?? "").trim();
      })
      .replaceAll("{{unsubscribeUrl}}", encode(links.url));
  const domain = config.sender.address.split("@")[1] ?? "localhost";
  return {
    from: { name: config.sender.name, address: config.sender.address },
    to: subscriber.address,
    subject: fill(compiled.subject, (s) => s),
    html: fill(compiled.html, escapeHtml),
    text: fill(compiled.text, (s) => s),
    messageId: messageId(compiled.slug, list, subscriber.email, domain),
    headers: {
      "List-Unsubscribe": `<${links.url}>, <${links.mailto}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "List-Id": `${list} <${list}.${domain}>`,
    },
  };
}
