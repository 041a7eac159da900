/**
 * Field schemas shared by the issue file and the config: each one refuses bad input with a
 * message that says what to write instead.
 */
import { z } from "zod";
import { checkAddress } from "./address.ts";
import { SUPPORTED_LOCALES, t } from "./i18n.ts";

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD (2025-02-30 is not one). */
export function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function isMonth(value: string): boolean {
  const m = MONTH.exec(value);
  return !!m && Number(m[2]) >= 1 && Number(m[2]) <= 12;
}

/** A non-empty line of text. */
export const text = () => z.string().trim().min(1);

/** `YYYY-MM-DD`, a real calendar date. YAML's core schema keeps it a string. */
export const isoDate = () =>
  z.string().refine(isCalendarDate, {
    error: (issue) => t("date", { value: String(issue.input) }),
    params: { rule: "date" },
  });

/** `YYYY-MM-DD` or `YYYY-MM` (an agenda item known only by its month). */
export const dateOrMonth = () =>
  z.string().refine((v) => isCalendarDate(v) || isMonth(v), {
    error: (issue) => t("month-or-date", { value: String(issue.input) }),
    params: { rule: "date" },
  });

const SAFE_URL = /^(https?:\/\/[^\s/$.?#][^\s]*|mailto:[^\s@]+@[^\s@]+)$/i;

/** A link readers may follow: http(s) or mailto only. */
export const url = () =>
  z.string().refine((v) => SAFE_URL.test(v.trim()), {
    error: (issue) => t("url", { value: String(issue.input) }),
    params: { rule: "url" },
  });

/** An absolute http(s) URL (the archive base URL). */
export const httpUrl = () =>
  z.string().refine((v) => /^https?:\/\/[^\s/$.?#][^\s]*$/i.test(v), {
    error: (issue) => t("http-url", { value: String(issue.input) }),
    params: { rule: "url" },
  });

/** An image: a relative path inside the project, or an http(s) URL. */
export const imageSrc = () =>
  z
    .string()
    .refine(
      (v) =>
        /^https?:\/\/\S+$/i.test(v) ||
        (/^[\w][\w./-]*$/.test(v) && !v.split("/").includes("..") && !v.includes("//")),
      {
        error: (issue) => t("image-src", { value: String(issue.input) }),
        params: { rule: "image-src" },
      },
    );

export const image = () => z.strictObject({ src: imageSrc(), alt: text() });

export const count = () => z.number().int().min(0);

export const locale = () => z.enum(SUPPORTED_LOCALES);

/** One plain address: no display name, no list, no CR/LF; a real host name after the @. */
export const emailAddress = () =>
  z.string().refine((v) => checkAddress(v).address === v, {
    error: (issue) => t("email", { value: String(issue.input) }),
    params: { rule: "email" },
  });
