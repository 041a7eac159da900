/**
 * One plain email address, as a subscriber list must hold: no display name, no list of
 * addresses, no line break (header injection), no comment or quoted local part.
 */
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

export type AddressProblem = "empty" | "line-break" | "several" | "display-name" | "invalid";

export function checkAddress(value: string): { address?: string; problem?: AddressProblem } {
  const address = value.trim();
  if (!address) return { problem: "empty" };
  if (/[\r\n]/.test(value)) return { problem: "line-break" };
  if (/[,;]/.test(address) || (address.match(/@/g) ?? []).length > 1) return { problem: "several" };
  if (/[<>"()]/.test(address) || /\s/.test(address)) return { problem: "display-name" };
  const at = address.lastIndexOf("@");
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  const valid = at > 0 && local.length <= 64 && LOCAL.test(local) && validDomain(domain);
  return valid ? { address } : { problem: "invalid" };
}

/** A host name of at least two labels (letters, digits, inner hyphens), ending in letters. */
export function validDomain(domain: string): boolean {
  const labels = domain.split(".");
  return (
    domain.length <= 253 &&
    labels.length >= 2 &&
    labels.every((label) => LABEL.test(label)) &&
    /[A-Za-z]/.test(labels.at(-1) ?? "")
  );
}

/** The key two spellings of one mailbox share (case-insensitive, as mail providers treat it). */
export function addressKey(address: string): string {
  return address.trim().toLowerCase();
}

/** Providers whose addresses ignore dots in the local part (and share one mailbox domain). */
const DOTLESS: Record<string, string> = { "gmail.com": "gmail.com", "googlemail.com": "gmail.com" };

/**
 * The mailbox an address reaches, as far as spelling goes: lowercased, without a `+tag`
 * (most providers deliver `ana+x@` to `ana@`), and for Gmail without dots, googlemail.com
 * as gmail.com. Used to limit confirmation emails per mailbox, never to send.
 */
export function mailboxKey(address: string): string {
  const key = addressKey(address);
  const at = key.lastIndexOf("@");
  let local = key.slice(0, at);
  let domain = key.slice(at + 1);
  const plus = local.indexOf("+");
  if (plus > 0) local = local.slice(0, plus);
  const dotless = DOTLESS[domain];
  if (dotless) {
    local = local.replace(/\./g, "");
    domain = dotless;
  }
  return `${local}@${domain}`;
}
