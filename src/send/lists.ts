/**
 * Mailing lists: CSV files of subscribers imported into the database. Every address is
 * checked; a rejected row is reported with its CSV line; two spellings of one address are
 * merged; importing again updates the list and never brings back an unsubscribed address.
 */
import type { DatabaseSync } from "node:sqlite";
import { parse } from "csv-parse/sync";
import { addressKey, checkAddress } from "../core/address.ts";
import type { Diagnostic } from "../core/diagnostic.ts";
import { t } from "../core/i18n.ts";
import { printable } from "../core/terminal.ts";
import { findSignup, listEvents, listSubscribers, saveSubscribers } from "./store.ts";

export const LIST_NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Largest CSV file `list import` reads: 50 MB, about 500,000 subscribers with a name and an
 * organisation (~100 bytes a row), far above a newsletter's list. A file of that size (a
 * 664,000-row CSV) imports in 13 s with 1.0 GB of memory at most (medians of 3, measured);
 * a 600 MB file used to end in "Cannot create a string longer than…", /dev/zero in memory
 * growing until the machine gave up. Checked before reading.
 */
export const MAX_LIST_BYTES = 50 * 1024 * 1024;

/**
 * A cell a spreadsheet would run as a formula (OWASP "CSV injection": `=`, `+`, `-`, `@`, tab,
 * carriage return first). The export writes it after a `'`, which spreadsheets show as text,
 * also after a comma or a tab inside a value (where a spreadsheet set to split on those would
 * start a cell); the import takes those `'` off again, so an exported list imports unchanged.
 */
const FORMULA = /^[=+\-@\t\r]/;
const NEUTRALISED = /^'(?=[=+\-@\t\r])|(?<=[,\t] *)'(?=[=+\-@])/g;

/** Column names editors' spreadsheets use, folded (lowercase, no accents, no spaces). */
const COLUMNS: Record<string, string> = {
  email: "email",
  mail: "email",
  courriel: "email",
  adresse: "email",
  adressemail: "email",
  adresseemail: "email",
  firstname: "firstName",
  prenom: "firstName",
  lastname: "lastName",
  nom: "lastName",
  organisation: "organization",
  organization: "organization",
  structure: "organization",
  entreprise: "organization",
  langue: "language",
  language: "language",
  lang: "language",
};

function fold(header: string): string {
  return header
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");
}

/**
 * The columns `list export` writes after the fields: each address's status, then its
 * source and proof of consent (GDPR art. 7(1)) and its audit trail. On import they are
 * ignored: they are lettre's own records, and a re-imported export would otherwise turn
 * them into fields (and the next export would have each twice).
 */
const RECORD_COLUMNS = [
  "status",
  "source",
  "signed_up",
  "confirmed",
  "consent_page",
  "consent_text",
  "ip",
  "history",
] as const;
const RECORD_FOLDED: readonly string[] = RECORD_COLUMNS.map(fold);

/**
 * "Prénom" → firstName; an unknown "Ville d'origine" → villeDorigine. Only COLUMNS' own
 * entries: "constructor" is an ordinary column, not Object's constructor.
 */
function fieldName(header: string): string {
  const folded = fold(header);
  const known = Object.hasOwn(COLUMNS, folded) ? COLUMNS[folded] : undefined;
  if (known) return known;
  const words = header
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return words
    .map((w, i) => (i === 0 ? w.toLowerCase() : w[0]?.toUpperCase() + w.slice(1).toLowerCase()))
    .join("");
}

export interface ImportReport {
  /** Columns of the file not imported (lettre's own `status`), as written in the file. */
  ignored: string[];
  added: number;
  updated: number;
  merged: number;
  /** Addresses of the list that are unsubscribed or bounced: kept, never sent to. */
  suppressed: number;
  rejected: Diagnostic[];
}

export function importList(
  db: DatabaseSync,
  name: string,
  csv: string,
  file: string,
  now = new Date().toISOString(),
): ImportReport {
  const report: ImportReport = {
    ignored: [],
    added: 0,
    updated: 0,
    merged: 0,
    suppressed: 0,
    rejected: [],
  };
  const reject = (line: number | undefined, message: string) =>
    report.rejected.push({ file, line, rule: "list-row", severity: "error", message });

  // Spreadsheets in French write ";", others ","; the header line tells which.
  const header = csv.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  const delimiter = [";", ",", "\t"].reduce((best, d) =>
    header.split(d).length > header.split(best).length ? d : best,
  );
  let records: { record: Record<string, string>; info: { lines: number }; raw: string }[];
  try {
    records = parse(csv, {
      bom: true,
      // `false` skips a column.
      columns: (headers: string[]) =>
        headers.map((header) => {
          if (!RECORD_FOLDED.includes(fold(header))) return fieldName(header);
          report.ignored.push(header.trim());
          return false;
        }),
      delimiter,
      info: true,
      raw: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: false,
    });
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    const detail = printable((error as Error).message.replace(/^Invalid .*?: /, ""));
    reject(line, t("list-csv", { detail }));
    return report;
  }
  if (records.length > 0 && !("email" in (records[0]?.record ?? {}))) {
    reject(1, t("list-no-email", { known: Object.keys(records[0]?.record ?? {}).join(", ") }));
    return report;
  }

  const rows = new Map<string, { address: string; fields: Record<string, string> }>();
  // csv-parse miscounts lines after a quoted line break: count them from the raw rows.
  let next = 2;
  for (const { record, raw } of records) {
    const line = next;
    next += (raw.match(/\r\n|\n|\r/g) ?? []).length;
    const { email: cell = "", ...rest } = record;
    const email = cell.replace(NEUTRALISED, "");
    const checked = checkAddress(email);
    if (!checked.address) {
      const value = printable(email.replace(/[\r\n]+/g, "⏎"));
      reject(line, t(`address-${checked.problem ?? "invalid"}`, { value }));
      continue;
    }
    const key = addressKey(checked.address);
    if (rows.has(key)) report.merged++;
    const fields = Object.fromEntries(
      Object.entries(rest)
        .filter(([, v]) => v?.trim())
        .map(([k, v]) => [k, v.trim().replace(NEUTRALISED, "")]),
    );
    rows.set(key, { address: checked.address, fields: { ...rows.get(key)?.fields, ...fields } });
  }

  return { ...report, ...saveSubscribers(db, name, rows, now, `import:${file}`) };
}

/**
 * The list as CSV (`;`-separated, as French spreadsheets expect), with each status, source,
 * proof of consent and audit trail (`at action (by)`, oldest first, ` | ` between).
 */
export function exportList(db: DatabaseSync, name: string): string {
  const subscribers = listSubscribers(db, name);
  const trails = listEvents(db, name);
  // A field named like one of the record columns is a stale copy of an older export's
  // column (imported before it was ignored): the columns below are the real ones.
  const fields = [...new Set(subscribers.flatMap((s) => Object.keys(s.fields)))]
    .filter((field) => !RECORD_FOLDED.includes(fold(field)))
    .sort();
  const value = (fields: Record<string, string>, field: string) =>
    Object.hasOwn(fields, field) ? String(fields[field]) : "";
  const cell = (value: string) => {
    // A spreadsheet set to split on commas (or tabs) starts a cell after each one: a
    // formula sign there gets the `'` too (hostile values only: "Dupont,=1+1").
    const split = value.replace(/([,\t] *)(?=[=+\-@])/g, (_, before: string) => `${before}'`);
    const safe = FORMULA.test(split) ? `'${split}` : split;
    return /[;,"\r\n\t]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const lines = [["email", ...fields, ...RECORD_COLUMNS].join(";")];
  for (const s of subscribers) {
    const signup = s.signup ? findSignup(db, s.signup) : undefined;
    const history = (trails.get(s.email) ?? [])
      .map((e) => `${e.at} ${e.action}${e.list ? "" : " (*)"} (${e.by})`)
      .join(" | ");
    const record = [
      s.status,
      s.source ?? "",
      signup?.asked ?? "",
      signup?.confirmed ?? "",
      signup?.page ?? "",
      signup?.consent ?? "",
      signup?.ip ?? "",
      history,
    ];
    lines.push(
      [s.address, ...fields.map((f) => value(s.fields, f)), ...record].map(cell).join(";"),
    );
  }
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}
