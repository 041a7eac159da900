/**
 * Sign-up with double opt-in: what the form sent is checked, recorded as a pending
 * sign-up with its proof of consent, and a confirmation email (templates/email/
 * confirm.mjml.hbs, in the reader's language) goes out through the configured transport.
 * The link in it carries a random token; the database keeps only its SHA-256.
 */
import { createHash, randomBytes } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import type { Config } from "../config/index.ts";
import { addressKey, checkAddress } from "../core/address.ts";
import { compileMjml } from "../email/compile.ts";
import type { TemplateSet } from "../render/templates.ts";
import { messageDomain } from "../send/message.ts";
import { dropSignup, lastSignupAt, recordSignup } from "../send/store.ts";
import type { Transport } from "../send/transports.ts";
import type { Pages } from "./pages.ts";

/** Days a confirmation link stays valid; unconfirmed sign-ups are deleted after. */
export const SIGNUP_DAYS = 7;
/** At most one confirmation email per address in this time (no mail-bombing a stranger). */
export const ADDRESS_WINDOW_MS = 10 * 60 * 1000;
/** Longest name field kept; longer is cut. */
const MAX_FIELD = 100;
/** Longest page address kept with a consent record. */
const MAX_PAGE = 500;

/** SHA-256 of a confirmation token: how the database knows it. */
export function signupId(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** A confirmation token: 256 random bits, URL-safe. */
function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** A name field as kept: trimmed, no control characters, bounded. */
function field(value: unknown): string {
  if (typeof value !== "string") return "";
  return value
    .replace(/\p{Cc}/gu, " ")
    .trim()
    .slice(0, MAX_FIELD);
}

/** The page the form was sent from, when it is an http(s) address of sane length. */
function pageOf(value: unknown): string | null {
  if (typeof value !== "string" || value.length > MAX_PAGE) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

export type SignupOutcome =
  /**
   * Recorded and mailed (`mailed`), or quietly not (a robot, a second request too soon):
   * the reader is told the same either way.
   */
  | { kind: "sent"; address: string; mailed: boolean }
  | { kind: "bad-address"; address: string }
  | { kind: "no-list"; address: string }
  | { kind: "send-failed"; address: string; detail: string };

export interface SignupContext {
  db: DatabaseSync;
  config: Config;
  pages: Pages;
  email: TemplateSet;
  transport: () => Transport;
  /** Where the confirmation page is (`…/confirm`). */
  confirmUrl: string;
  ip: string | undefined;
}

/** Handles one post of the sign-up form. Never throws for what a reader can send. */
export async function signUp(
  context: SignupContext,
  body: Record<string, string | File | (string | File)[]>,
  now = new Date(),
): Promise<SignupOutcome> {
  const { db, config, pages } = context;
  const first = (name: string) => {
    const value = body[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const lang = pages.langOf(first("lang"));
  const typed = typeof first("email") === "string" ? String(first("email")).slice(0, 320) : "";
  const checked = typed.length <= 254 ? checkAddress(typed) : {};
  const address = checked.address;
  if (!address) return { kind: "bad-address", address: typed.trim() };
  // A robot filled the field people do not see: the same answer as anyone, nothing done.
  const trap = first("website");
  if (typeof trap === "string" && trap !== "") return { kind: "sent", address, mailed: false };
  const offered = config.signup?.lists.map((list) => list.name) ?? [];
  const asked = [body.list ?? []].flat().filter((v): v is string => typeof v === "string");
  const lists = offered.filter((name) => asked.includes(name));
  if (lists.length === 0) return { kind: "no-list", address };
  // One confirmation per address per window, whoever asks: the same answer either way.
  const last = lastSignupAt(db, address);
  if (last && now.getTime() - Date.parse(last) < ADDRESS_WINDOW_MS) {
    return { kind: "sent", address, mailed: false };
  }
  const token = newToken();
  const id = signupId(token);
  const fields: Record<string, string> = {};
  for (const name of ["firstName", "lastName"]) {
    const value = field(first(name));
    if (value) fields[name] = value;
  }
  if (lang !== config.lang) fields.language = lang;
  recordSignup(db, {
    id,
    email: addressKey(address),
    address,
    lists,
    fields,
    lang,
    page: pageOf(first("page")),
    consent: pages.consentText(lang),
    ip: config.signup?.keepIp ? (context.ip ?? null) : null,
    asked: now.toISOString(),
  });
  try {
    await sendConfirmation(context, { address, lists, lang, token });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    dropSignup(db, id, detail.slice(0, 500));
    return { kind: "send-failed", address, detail };
  }
  return { kind: "sent", address, mailed: true };
}

async function sendConfirmation(
  context: SignupContext,
  request: { address: string; lists: string[]; lang: string; token: string },
): Promise<void> {
  const { config, pages, email } = context;
  const template = email.pages.get("confirm");
  if (!template) throw new Error("templates/email/confirm.mjml.hbs not loaded");
  const url = new URL(context.confirmUrl);
  url.searchParams.set("t", request.token);
  const mjml = template({
    lang: request.lang,
    site: config.site,
    theme: config.theme,
    address: config.address,
    confirm: {
      url: url.href,
      lists: request.lists.map((list) => pages.listTitle(list)),
      days: SIGNUP_DAYS,
    },
  });
  const compiled = await compileMjml(mjml);
  if (!("html" in compiled)) {
    const detail =
      "failure" in compiled
        ? compiled.failure
        : compiled.errors.map((e) => `line ${e.line}: ${e.message}`).join("; ");
    throw new Error(`${email.shown("templates/email/confirm.mjml.hbs")}: ${detail}`);
  }
  const domain = messageDomain(config.sender.address);
  await context.transport().send({
    from: { name: config.sender.name, address: config.sender.address },
    to: request.address,
    subject: pages.say(request.lang, "confirmEmailSubject", { site: config.site.name }),
    html: compiled.html,
    text: compiled.text,
    messageId: `<confirm.${randomBytes(12).toString("hex")}@${domain}>`,
    headers: { "Auto-Submitted": "auto-generated" },
  });
}
