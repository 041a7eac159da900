/**
 * French typography for text written on an ordinary keyboard: the spaces an editor types
 * before `: ; ! ?`, inside « », and in numbers with units become no-break spaces, so that
 * no line ever starts with a lone "?" or "»". Only existing spaces change: "https://x.fr/?a"
 * and "10:30" are left alone.
 */
const NBSP = "\u00A0";
const NNBSP = "\u202F";

export function frenchTypography(text: string): string {
  return (
    text
      // « guillemets » with spaces inside (added when missing)
      .replace(/«[ \u00A0\u202F]*/g, `«${NBSP}`)
      .replace(/[ \u00A0\u202F]*»/g, `${NBSP}»`)
      // space before the high punctuation ; ! ? (narrow) and : (full)
      .replace(/[ \u00A0]+([;!?])/g, `${NNBSP}$1`)
      .replace(/[ \u202F]+:/g, `${NBSP}:`)
      // digit groups (1 631) and units (271 M€, 30 %)
      // groups of three after a 1–3 digit head: "1 631", "1 000 000", not "en 2025 350 personnes"
      .replace(/(?<![\d\u202F])(\d{1,3}(?:\u202F\d{3})*) (?=\d{3}(?!\d))/g, `$1${NNBSP}`)
      .replace(/(\d) (?=(?:[kM]d?€|€|%|[kM]?€)(?![\p{L}]))/gu, `$1${NBSP}`)
  );
}

/** Applies the typography of `lang` to a plain string (no-op for languages without rules). */
const typeset = new Map<string, string>();

export function typography(text: string, lang: string): string {
  if (lang !== "fr") return text;
  // Labels and names come back again and again while pages are rendered.
  let done = typeset.get(text);
  if (done === undefined) {
    if (typeset.size > 20_000) typeset.clear();
    done = frenchTypography(text);
    typeset.set(text, done);
  }
  return done;
}
