/**
 * One message per recipient: the compiled issue with the subscriber's fields filled in, the
 * unsubscribe link signed for that address, and the headers mail providers expect of a
 * newsletter (List-Unsubscribe with https and mailto, one-click POST, RFC 2369 / 8058).
 *
 * Personalisation never makes markup. The compiled HTML is the same for every recipient, so
 * it is read once (parse5, with source positions) and cut into literal parts and slots:
 * a `{{subscriber.x|fallback}}` becomes a slot only when it lies entirely inside one text
 * node or one quoted attribute value; anywhere else (across a tag, in a comment, a style
 * sheet, a style attribute) it is left exactly as the sanitised build wrote it. A slot's
 * value, and its fallback (decoded from the HTML, then escaped again), are always escaped
 * for where they go; in a URL attribute they are percent-encoded too.
 */
import { createHash } from "node:crypto";
import { type DefaultTreeAdapterTypes, parse, parseFragment } from "parse5";
import type { Config } from "../config/index.ts";
import { validDomain } from "../core/address.ts";
import { escapeHtml } from "../core/html.ts";
import type { Subscriber } from "./store.ts";
import { PREVIEW_HEADER, PREVIEW_SECRET, PREVIEW_VALUE, unsubscribeToken } from "./token.ts";

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

/**
 * `{{subscriber.firstName}}`, or with a fallback: `{{subscriber.firstName|Madame, Monsieur}}`,
 * and `{{unsubscribeUrl}}`.
 */
export const PLACEHOLDER =
  /\{\{unsubscribeUrl\}\}|\{\{\s*subscriber\.([A-Za-z0-9_]+)\s*(?:\|([^}]*))?\}\}/g;

/**
 * The domain of Message-IDs and List-Id (and so of outbox file names): the sender's when it
 * is a plain host name, else `localhost`: never a path, never a second header.
 */
export function messageDomain(address: string): string {
  const domain = address.slice(address.lastIndexOf("@") + 1);
  return validDomain(domain) ? domain : "localhost";
}

/** The same issue, list and address always give the same Message-ID: a resend is recognisable. */
export function messageId(slug: string, list: string, email: string, domain: string): string {
  const hash = createHash("sha256").update(`${slug}\n${list}\n${email}`).digest("hex").slice(0, 24);
  const safeSlug = slug.replace(/[^A-Za-z0-9-]/g, "-");
  return `<${safeSlug}.${hash}@${messageDomain(domain)}>`;
}

export function unsubscribeLinks(config: Config, secret: string, list: string, email: string) {
  const token = unsubscribeToken(secret, list, email);
  const base = config.sending.unsubscribeUrl ?? `${config.site.url}/unsubscribe`;
  const url = new URL(base);
  url.searchParams.set("t", token);
  const mailto = config.sending.unsubscribeMailto ?? config.sender.address;
  const subject = encodeURIComponent(`unsubscribe ${token}`);
  return { url: url.href, mailto: `mailto:${mailto}?subject=${subject}` };
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
/** Text made safe in a double- or single-quoted attribute value (and between tags). */
function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** A subscriber's own field (never one inherited from Object: `constructor`, `__proto__`…). */
function fieldValue(fields: Record<string, string>, name: string): string {
  const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
  return typeof value === "string" ? value.trim() : "";
}

type Slot =
  | { url: true }
  | { url?: undefined; field: string; fallback: string; encode: (value: string) => string };

/** A part of a message cut once: `parts[0] slot[0] parts[1] … parts[n]`. */
interface Template {
  parts: string[];
  slots: Slot[];
  /** Offsets in the source of the `{{subscriber.…}}` placeholders made slots. */
  filled?: number[];
}

function render(template: Template, fields: Record<string, string>, url: string): string {
  const { parts, slots } = template;
  let out = parts[0] ?? "";
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i] as Slot;
    if (slot.url) out += url;
    else {
      const value = fieldValue(fields, slot.field);
      out += value ? slot.encode(value) : slot.fallback;
    }
    out += parts[i + 1] ?? "";
  }
  return out;
}

/** Subject and text part: plain text, every placeholder is a slot. */
function plainTemplate(source: string, encode: (value: string) => string): Template {
  const parts: string[] = [];
  const slots: Slot[] = [];
  let last = 0;
  for (const m of source.matchAll(PLACEHOLDER)) {
    parts.push(source.slice(last, m.index));
    slots.push(
      m[1] === undefined
        ? { url: true }
        : { field: m[1], fallback: encode((m[2] ?? "").trim()), encode },
    );
    last = m.index + m[0].length;
  }
  parts.push(source.slice(last));
  return { parts, slots };
}

/** Elements whose text is not HTML (CSS, script…): nothing is filled in there. */
const RAW_TEXT = new Set([
  "style",
  "script",
  "xmp",
  "iframe",
  "noembed",
  "noframes",
  "noscript",
  "plaintext",
]);
/** Attributes holding a URL: a value is percent-encoded, so it never becomes a scheme. */
const URL_ATTRIBUTES = new Set([
  "href",
  "src",
  "action",
  "formaction",
  "background",
  "cite",
  "poster",
  "longdesc",
  "usemap",
  "xlink:href",
  "data",
  "manifest",
  "ping",
  "codebase",
]);
/** Attributes a subscriber's text must not reach (styles, scripts, URL lists). */
const NO_FILL = /^(on|style$|srcset$|imagesrcset$)/;

interface Region {
  start: number;
  end: number;
  /** Raw characters that cannot be in a placeholder here (the markup it would cross). */
  forbidden: RegExp;
  decode: (raw: string) => string;
  encode: (value: string) => string;
}

type Node = DefaultTreeAdapterTypes.Node;

/** Where in the HTML a placeholder may be filled: text nodes and quoted attribute values. */
function regions(html: string): Region[] {
  const found: Region[] = [];
  const decodeText = (raw: string) => {
    const node = parseFragment(raw).childNodes[0];
    return node && "value" in node ? node.value : raw;
  };
  const walk = (node: Node) => {
    if (node.nodeName === "#text" && "value" in node && node.sourceCodeLocation) {
      const parent = node.parentNode;
      if (!parent || !("tagName" in parent) || !RAW_TEXT.has(parent.tagName)) {
        found.push({
          start: node.sourceCodeLocation.startOffset,
          end: node.sourceCodeLocation.endOffset,
          forbidden: /</,
          decode: decodeText,
          encode: escapeHtml,
        });
      }
    }
    if ("attrs" in node) {
      const where = node.sourceCodeLocation?.attrs;
      for (const attr of node.attrs) {
        const name = attr.prefix ? `${attr.prefix}:${attr.name}` : attr.name;
        const at = where?.[attr.name] ?? where?.[name];
        if (!at || NO_FILL.test(name)) continue;
        // name="value" | name='value': the value sits between the quotes; unquoted: never.
        const raw = html.slice(at.startOffset, at.endOffset);
        const quote = /^[^=]*=\s*(["'])/.exec(raw);
        if (!quote?.[1] || !raw.endsWith(quote[1])) continue;
        const q = quote[1];
        const url = URL_ATTRIBUTES.has(name.toLowerCase());
        found.push({
          start: at.startOffset + quote[0].length,
          end: at.endOffset - 1,
          forbidden: q === '"' ? /"/ : /'/,
          decode: (value) => {
            const el = parseFragment(`<i title=${q}${value}${q}>`).childNodes[0];
            return el && "attrs" in el ? (el.attrs[0]?.value ?? "") : value;
          },
          encode: url ? (v) => escapeAttribute(encodeURIComponent(v)) : escapeAttribute,
        });
      }
    }
    if ("childNodes" in node) for (const child of node.childNodes) walk(child);
    if ("content" in node) walk(node.content);
  };
  walk(parse(html, { sourceCodeLocationInfo: true }));
  return found;
}

function htmlTemplate(html: string): Template {
  const parts: string[] = [];
  const slots: Slot[] = [];
  const filled: number[] = [];
  let places: Region[] | undefined;
  let last = 0;
  const pattern = new RegExp(PLACEHOLDER.source, "g");
  for (let m = pattern.exec(html); m; m = pattern.exec(html)) {
    const start = m.index;
    const end = start + m[0].length;
    let slot: Slot | undefined;
    if (m[1] === undefined) {
      // The link itself, escaped: safe wherever the template put it.
      slot = { url: true };
    } else {
      places ??= regions(html);
      const raw = m[0];
      const region = places.find((r) => r.start <= start && end <= r.end && !r.forbidden.test(raw));
      if (region) {
        const fallback = region.decode((m[2] ?? "").trim()).trim();
        slot = {
          field: m[1],
          fallback: fallback ? region.encode(fallback) : "",
          encode: region.encode,
        };
      }
    }
    if (!slot) {
      // Across markup: left as the build wrote it; a placeholder may start inside it.
      pattern.lastIndex = start + 1;
      continue;
    }
    parts.push(html.slice(last, start));
    slots.push(slot);
    if (!slot.url) filled.push(start);
    last = end;
  }
  parts.push(html.slice(last));
  return { parts, slots, filled };
}

/**
 * The compiled HTML as a reader without fields sees it: every placeholder this stage fills
 * gets its fallback (or nothing), the unsubscribe link is `unsubscribeUrl`. Used for the
 * archive's web copy of an email, so the web and the send fill exactly the same places.
 */
export function fillHtml(html: string, unsubscribeUrl: string): string {
  return render(cached(templates.html, html, htmlTemplate), {}, escapeAttribute(unsubscribeUrl));
}

/** The start of anything meant as a subscriber placeholder: plain, or percent-encoded. */
const PLACEHOLDER_START =
  /\{\{\s*subscriber\.([A-Za-z0-9_]*)|%7[Bb]%7[Bb](?:%20|\+)*subscriber\.([A-Za-z0-9_]*)/g;

export interface Unfilled {
  /** Offset in the HTML of its `{{` (or `%7B%7B`). */
  offset: number;
  /** The field it names (`firstName`), as far as it can be read. */
  field: string;
  /** In an address, percent-encoded (`%7B%7Bsubscriber.x%7D%7D`): never filled. */
  encoded: boolean;
}

/**
 * The subscriber placeholders of a compiled HTML that `buildMessage` will leave as written
 * (readers would see `{{subscriber.…}}`): across a tag (a fallback holding markup, Markdown
 * emphasis around half of it), in a style, an event attribute or a comment, and any
 * percent-encoded one (a placeholder inside a link's or an image's address). The same
 * placement logic as the send: a check at build time that agrees with what is sent.
 */
export function unfilledPlaceholders(html: string): Unfilled[] {
  // Every email holds {{unsubscribeUrl}}: only one with a subscriber placeholder is parsed.
  if (!/\{\{\s*subscriber\.|%7B%7B/i.test(html)) return [];
  const filled = new Set(cached(templates.html, html, htmlTemplate).filled);
  const out: Unfilled[] = [];
  for (const m of html.matchAll(PLACEHOLDER_START)) {
    const encoded = m[0].startsWith("%");
    if (!encoded && filled.has(m.index)) continue;
    out.push({ offset: m.index, field: (encoded ? m[2] : m[1]) ?? "", encoded });
  }
  return out;
}

/**
 * Templates of the last issues seen, by part: one issue is sent to thousands, cut once. The
 * compiled strings are the same objects from message to message, so a lookup is cheap.
 */
const templates = {
  html: new Map<string, Template>(),
  text: new Map<string, Template>(),
  subject: new Map<string, Template>(),
};
function cached(
  cache: Map<string, Template>,
  source: string,
  make: (source: string) => Template,
): Template {
  let template = cache.get(source);
  if (!template) {
    template = make(source);
    if (cache.size >= 4) cache.delete(cache.keys().next().value as string);
    cache.set(source, template);
  }
  return template;
}

/** A subject is one line: a field cannot add a header. */
const oneLine = (value: string) => value.replace(/[\p{Cc}\u2028\u2029]+/gu, " ");
const asIs = (value: string) => value;

export function buildMessage(
  compiled: Compiled,
  subscriber: Pick<Subscriber, "email" | "address" | "fields">,
  list: string,
  config: Config,
  secret: string,
): OutgoingMessage {
  const links = unsubscribeLinks(config, secret, list, subscriber.email);
  const fields = subscriber.fields;
  const domain = messageDomain(config.sender.address);
  const html = cached(templates.html, compiled.html, htmlTemplate);
  const text = cached(templates.text, compiled.text, (s) => plainTemplate(s, asIs));
  const subject = cached(templates.subject, compiled.subject, (s) => plainTemplate(s, oneLine));
  return {
    from: { name: config.sender.name, address: config.sender.address },
    to: subscriber.address,
    subject: render(subject, fields, links.url),
    html: render(html, fields, escapeAttribute(links.url)),
    text: render(text, fields, links.url),
    messageId: messageId(compiled.slug, list, subscriber.email, domain),
    headers: {
      "List-Unsubscribe": `<${links.url}>, <${links.mailto}>`,
      // One-click (RFC 8058) is over https only: an http page (site.url's /unsubscribe,
      // sending.unsubscribeUrl being https-only) does not claim it; `lettre send` warns.
      ...(links.url.startsWith("https:")
        ? { "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" }
        : {}),
      "List-Id": `${list} <${list}.${domain}>`,
      // Links signed with the public key: a preview for the outbox, never a real send.
      ...(secret === PREVIEW_SECRET ? { [PREVIEW_HEADER]: PREVIEW_VALUE } : {}),
    },
  };
}
