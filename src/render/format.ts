/**
 * Dates and numbers in the locale: "1er décembre 2025", "du 5 novembre au
 * 9 décembre 2025", "1 631". Numbers written as text ("271 M€") stay as written.
 */
const LOCALES: Record<string, string> = { fr: "fr-FR", en: "en-GB" };

function toDate(iso: string): Date {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1));
}

function isMonthOnly(iso: string): boolean {
  return /^\d{4}-\d{2}$/.test(iso);
}

/** Making an Intl formatter costs far more than using one: keep them. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function format(iso: string, lang: string, parts: Intl.DateTimeFormatOptions): string {
  const key = `${lang} ${JSON.stringify(parts)}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(LOCALES[lang] ?? lang, { ...parts, timeZone: "UTC" });
    formatters.set(key, formatter);
  }
  return formatter
    .formatToParts(toDate(iso))
    .map((part) =>
      lang === "fr" && part.type === "day" && part.value === "1" ? "1er" : part.value,
    )
    .join("");
}

/** `2025-12-01` → "1er décembre 2025"; `2026-01` → "janvier 2026". */
export function formatDate(iso: string, lang: string): string {
  if (isMonthOnly(iso)) return format(iso, lang, { month: "long", year: "numeric" });
  return format(iso, lang, { day: "numeric", month: "long", year: "numeric" });
}

/** A span of days, said the way the language says it. `end` may be missing or equal. */
export function formatDateRange(start: string, end: string | undefined, lang: string): string {
  if (!end || end === start) return formatDate(start, lang);
  if (isMonthOnly(start) || isMonthOnly(end)) {
    const [from, to] = [formatDate(start, lang), formatDate(end, lang)];
    if (lang !== "fr") return `${from} – ${to}`;
    if (!isMonthOnly(start)) return `du ${from} à ${to}`;
    return `${/^[aeiouyéèêàâîôûh]/i.test(from) ? "d’" : "de "}${from} à ${to}`;
  }
  const [sy, sm] = start.split("-");
  const [ey, em] = end.split("-");
  const sameYear = sy === ey;
  const sameMonth = sameYear && sm === em;
  const startText = format(start, lang, {
    day: "numeric",
    ...(sameMonth ? {} : { month: "long" }),
    ...(sameYear ? {} : { year: "numeric" }),
  });
  const endText = formatDate(end, lang);
  return lang === "fr" ? `du ${startText} au ${endText}` : `${startText} – ${endText}`;
}

/** 1631 → "1 631" in French; a string is kept exactly as the editor wrote it. */
const numbers = new Map<string, Intl.NumberFormat>();

export function formatNumber(value: number | string, lang: string): string {
  if (typeof value === "string") return value;
  let formatter = numbers.get(lang);
  if (!formatter) {
    formatter = new Intl.NumberFormat(LOCALES[lang] ?? lang);
    numbers.set(lang, formatter);
  }
  return formatter.format(value);
}
