/**
 * The unsubscribe token: opaque and self-contained, so that the address never shows in a
 * URL (mail filters count that against a message) and the endpoint that receives it
 * (`lettre serve`, the mailto reader) needs nothing but the secret to know who leaves which
 * list.
 *
 *   token = base64url(nonce ‖ AES-256-GCM(list "\n" email) ‖ tag)
 *
 * Both keys come from LETTRE_UNSUBSCRIBE_SECRET through HKDF-SHA256 (distinct `info`). The
 * nonce is the first 12 bytes of HMAC-SHA256(macKey, list "\n" email): the same list and
 * address always give the same token (a resend is byte-identical), and two different
 * plaintexts never share a nonce.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  timingSafeEqual,
} from "node:crypto";

/** LETTRE_UNSUBSCRIBE_SECRET must hold at least this many bytes. */
export const MIN_SECRET_BYTES = 32;

/**
 * …and at least this many different bytes. Not 16: `openssl rand -hex 16` draws from 16
 * characters only, and 93 % of its secrets lack one of them (23 % of `-hex 32`'s); a random
 * hex secret of 32 characters has fewer than 8 different ones about once in 28 million. What
 * it refuses is what nobody draws at random: spaces, one letter or a short word over and over.
 */
const MIN_SECRET_DISTINCT = 8;

/**
 * The key used when no secret is set, for the outbox only (files nobody receives): it is
 * public, so its links prove nothing. Messages made with it carry {@link PREVIEW_HEADER}.
 */
export const PREVIEW_SECRET = "lettre outbox preview: this key is public, links are unsigned";
export const PREVIEW_HEADER = "X-Lettre-Outbox";
export const PREVIEW_VALUE = "unsigned-preview";

const NONCE = 12;
const TAG = 16;
/** Longer than any real token (list names and addresses are bounded): garbage is cut short. */
const MAX_TOKEN = 1024;

/** KeyObjects, made once: several times faster per message than raw key bytes. */
interface Keys {
  encryption: KeyObject;
  nonce: KeyObject;
}
let cached: { secret: string; keys: Keys } | undefined;

function keys(secret: string): Keys {
  if (cached?.secret === secret) return cached.keys;
  const derive = (info: string) =>
    createSecretKey(Buffer.from(hkdfSync("sha256", secret, "lettre unsubscribe token", info, 32)));
  const fresh = { encryption: derive("lettre v1 encryption"), nonce: derive("lettre v1 nonce") };
  cached = { secret, keys: fresh };
  return fresh;
}

function nonceOf(k: Keys, plain: Buffer): Buffer {
  return createHmac("sha256", k.nonce).update(plain).digest().subarray(0, NONCE);
}

export function unsubscribeToken(secret: string, list: string, email: string): string {
  const k = keys(secret);
  const plain = Buffer.from(`${list}\n${email}`, "utf8");
  const nonce = nonceOf(k, plain);
  const cipher = createCipheriv("aes-256-gcm", k.encryption, nonce);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64url");
}

/**
 * Who a token unsubscribes, or `undefined` for anything not made by {@link unsubscribeToken}
 * with this secret (tampered, truncated, another secret, garbage). Never throws. The GCM tag
 * check is constant-time.
 */
export function verifyUnsubscribeToken(
  secret: string,
  token: unknown,
): { list: string; email: string } | undefined {
  if (typeof token !== "string" || token.length > MAX_TOKEN || !/^[\w-]+$/.test(token)) {
    return undefined;
  }
  try {
    const raw = Buffer.from(token, "base64url");
    // One spelling per token: no padding, no trailing bits that decode to the same bytes.
    if (raw.length <= NONCE + TAG || raw.toString("base64url") !== token) return undefined;
    const k = keys(secret);
    const nonce = raw.subarray(0, NONCE);
    const decipher = createDecipheriv("aes-256-gcm", k.encryption, nonce);
    decipher.setAuthTag(raw.subarray(raw.length - TAG));
    const plain = Buffer.concat([
      decipher.update(raw.subarray(NONCE, raw.length - TAG)),
      decipher.final(),
    ]);
    if (!timingSafeEqual(nonce, nonceOf(k, plain))) return undefined;
    const text = plain.toString("utf8");
    const cut = text.indexOf("\n");
    const list = text.slice(0, cut);
    const email = text.slice(cut + 1);
    if (cut <= 0 || !email.includes("@") || email.includes("\n")) return undefined;
    return { list, email };
  } catch {
    return undefined;
  }
}

export type SecretChoice =
  | { secret: string; preview: boolean }
  | { problem: "short"; bytes: number }
  /** Long enough, but obviously not drawn at random (the reason says how, never the secret). */
  | { problem: "weak"; reason: "blank" | "few" | "repeated"; distinct: number }
  | { problem: "missing" };

/**
 * Why a secret is obviously not random: only whitespace, fewer than
 * {@link MIN_SECRET_DISTINCT} different bytes, or one piece repeated (`motdepassemotdepasse…`,
 * `1234567890` three times): a period of at most half its length. Undefined otherwise. A
 * secret drawn at random passes; this cannot tell a guessable phrase from a random one.
 */
function weakSecret(
  value: string,
): { reason: "blank" | "few" | "repeated"; distinct: number } | undefined {
  const bytes = Buffer.from(value, "utf8");
  const distinct = new Set(bytes).size;
  if (value.trim() === "") return { reason: "blank", distinct };
  if (distinct < MIN_SECRET_DISTINCT) return { reason: "few", distinct };
  for (let period = 1; period <= bytes.length / 2; period++) {
    let repeats = true;
    for (let i = period; i < bytes.length && repeats; i++) {
      repeats = bytes[i] === bytes[i - period];
    }
    if (repeats) return { reason: "repeated", distinct };
  }
  return undefined;
}

/**
 * The key that signs unsubscribe links for a send: LETTRE_UNSUBSCRIBE_SECRET (at least 32
 * bytes, not obviously chosen by hand: refused otherwise, whatever the transport). Without it, only the outbox may go on,
 * with the public preview key: a real transport (a `--test` copy too) needs the real secret.
 */
export function chooseSecret(value: string | undefined, outbox: boolean): SecretChoice {
  if (value) {
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes < MIN_SECRET_BYTES) return { problem: "short", bytes };
    const weak = weakSecret(value);
    if (weak) return { problem: "weak", ...weak };
    return { secret: value, preview: false };
  }
  return outbox ? { secret: PREVIEW_SECRET, preview: true } : { problem: "missing" };
}

/**
 * The token in what an editor pastes from an unsubscribe request: the link
 * (`https://…/unsubscribe?t=<token>`), the subject of the mail (`unsubscribe <token>`), or
 * the token alone. Undefined when there is none to be found.
 */
export function tokenIn(text: string): string | undefined {
  const value = text.trim();
  const fromUrl = /[?&]t=([\w-]+)/.exec(value)?.[1];
  if (fromUrl) return fromUrl;
  const last = value.split(/\s+/).at(-1) ?? "";
  return /^[\w-]{40,}$/.test(last) ? last : undefined;
}
