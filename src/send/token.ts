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
  | { problem: "missing" };

/**
 * The key that signs unsubscribe links for a send: LETTRE_UNSUBSCRIBE_SECRET (at least 32
 * bytes, refused otherwise, whatever the transport). Without it, only the outbox may go on,
 * with the public preview key: a real transport (a `--test` copy too) needs the real secret.
 */
export function chooseSecret(value: string | undefined, outbox: boolean): SecretChoice {
  if (value) {
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes < MIN_SECRET_BYTES) return { problem: "short", bytes };
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
