/**
 * What a transport URL may be: outbox:<folder>, smtp://host:port, smtps://user@host:port,
 * ses://<region>. Checked before anything is loaded (the config schema uses it, so
 * `lettre check` reports a mistyped `sending.transport` at its line), with a "did you mean".
 * Kept apart from transports.ts so that checking a config does not load nodemailer.
 */
import { suggestion, t } from "../core/i18n.ts";

/**
 * Hosts trusted without TLS checks: the names a local test server or relay on this machine
 * answers to. Exactly these three: any other address (127.0.0.2 included) is treated as a
 * server elsewhere (certificate verified; a password only over an encrypted connection).
 */
export const LOCAL_HOSTS: readonly string[] = ["127.0.0.1", "localhost", "::1"];

const SCHEMES = ["outbox", "smtp", "smtps", "ses"] as const;
export const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** " (did you mean "x"?)", always: the fix is known. */
const meant = (fix: string) => suggestion(fix, [fix]);

/** A transport URL, read once for everything that uses it (checks, the CLI, createTransport). */
export type ParsedTransport =
  | { kind: "outbox"; folder: string }
  | { kind: "smtp"; url: URL }
  | { kind: "ses"; region: string }
  | { problem: string };

/** Why `url` is not a transport (a message for the editor), or undefined when it is one. */
export function transportProblem(url: string): string | undefined {
  const parsed = parseTransport(url);
  return "problem" in parsed ? parsed.problem : undefined;
}

/** Reads a transport URL: blanks around it and the scheme's case do not matter. */
export function parseTransport(url: string): ParsedTransport {
  const value = url.trim();
  const bad = (hint = "") => ({ problem: t("transport-invalid", { value, suggestion: hint }) });
  const colon = value.indexOf(":");
  if (colon <= 0) {
    // "outbox", "smtp", or a bare host name: say which form was meant.
    const lower = value.toLowerCase();
    const scheme = (SCHEMES as readonly string[]).includes(lower)
      ? lower
      : SCHEMES.find((s) => suggestion(lower, [s]) !== "");
    if (scheme === "outbox") return bad(meant("outbox:outbox"));
    if (scheme === "ses") return bad(meant("ses://eu-west-3"));
    if (scheme)
      return bad(meant(`${scheme}://${scheme === "smtps" ? "user@host:465" : "host:587"}`));
    if (/^[\w.-]+\.[a-z]{2,}(:\d+)?$/i.test(value))
      return bad(meant(`smtp://${value}${value.includes(":") ? "" : ":587"}`));
    return bad();
  }
  const scheme = value.slice(0, colon).toLowerCase();
  const rest = value.slice(colon + 1);
  if (!(SCHEMES as readonly string[]).includes(scheme)) {
    // smpt://x → smtp://x; outbx:dossier → outbox:dossier.
    const candidates = SCHEMES.map((s) =>
      s === "outbox"
        ? `outbox:${rest.replace(/^\/\//, "")}`
        : `${s}://${rest.replace(/^\/\//, "")}`,
    );
    return bad(suggestion(value, candidates));
  }
  if (scheme === "outbox") {
    // outbox://x would write to the folder "/x" at the root of the disk.
    if (rest.startsWith("//")) return bad(meant(`outbox:${rest.slice(2)}`));
    return { kind: "outbox", folder: rest || "outbox" };
  }
  if (!rest.startsWith("//")) return bad(meant(`${scheme}://${rest.replace(/^\/*/, "")}`));
  if (scheme === "ses") {
    const region = rest.slice(2).replace(/\/+$/, "");
    return AWS_REGION.test(region)
      ? { kind: "ses", region }
      : { problem: t("transport-ses-region", { value }) };
  }
  let parsed: URL;
  try {
    parsed = new URL(`${scheme}:${rest}`);
  } catch {
    return bad();
  }
  if (!parsed.hostname) return bad();
  // Never in a file: the password comes from LETTRE_SMTP_PASSWORD.
  if (parsed.password) {
    return { problem: t("transport-password", { value: value.replace(/:[^:@/]*@/, ":…@") }) };
  }
  return { kind: "smtp", url: parsed };
}
