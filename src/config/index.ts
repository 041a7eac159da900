/**
 * Stage "config": lettre.config.yaml → validated config. Same positioned errors as an issue.
 * Secrets (passwords, tokens, keys) are refused: they come from environment variables only.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { Diagnostic } from "../core/diagnostic.ts";
import { formatPath } from "../core/diagnostic.ts";
import { emailAddress, httpUrl, image, locale, text } from "../core/fields.ts";
import { MAX_TEXT_BYTES, readText } from "../core/files.ts";
import { t } from "../core/i18n.ts";
import { validate } from "../core/validate.ts";
import { readYaml } from "../core/yaml.ts";

export const CONFIG_FILE = "lettre.config.yaml";

const color = () =>
  z.string().refine((v) => /^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(v), {
    error: (issue) => t("color", { value: String(issue.input) }),
    params: { rule: "color" },
  });

export const configSchema = z.strictObject({
  site: z.strictObject({
    /** Shown in the email header and the archive. */
    name: text(),
    /** Base URL where dist/archive/ is published; "view in browser" links point there. */
    url: httpUrl().transform((v) => v.replace(/\/+$/, "")),
    logo: image().optional(),
  }),
  /** Default language of issues and of lettre's messages. */
  lang: locale().default("fr"),
  sender: z.strictObject({ name: text(), address: emailAddress() }),
  /** Markdown shown at the bottom of every email (legal notice, why you receive this). */
  footer: z.string().default(""),
  /** Postal address of the sender, shown in the footer (required by anti-spam laws). */
  address: text().optional(),
  /** How `lettre send` delivers. Secrets come from environment variables (see README). */
  sending: z
    .strictObject({
      /** outbox:<folder> (default), smtp://host:port, smtps://user@host:port */
      transport: z.string().default("outbox:outbox"),
      /** Page that unsubscribes a reader: receives ?list=&email=&token= (signed). */
      unsubscribeUrl: httpUrl().optional(),
      /** Address that unsubscribes a reader who writes to it (List-Unsubscribe mailto). */
      unsubscribeMailto: emailAddress().optional(),
      /** SMTP: simultaneous connections, and messages per second at most. */
      connections: z.number().int().min(1).max(50).default(3),
      rate: z.number().positive().max(1000).default(10),
      /** Optional DKIM signing; the private key comes from LETTRE_DKIM_PRIVATE_KEY. */
      dkim: z.strictObject({ domain: text(), selector: text() }).optional(),
    })
    .default({ transport: "outbox:outbox", connections: 3, rate: 10 }),
  theme: z
    .strictObject({
      primary: color().default("#0b5394"),
      accent: color().default("#e69138"),
    })
    .default({ primary: "#0b5394", accent: "#e69138" }),
});

export type Config = z.output<typeof configSchema>;

const SECRET = /pass(word)?|secret|token|api[-_]?key|credential|private[-_]?key/i;

export function parseConfig(source: string, file = CONFIG_FILE) {
  const yaml = readYaml(source, file);
  if (yaml.diagnostics.length > 0) return { diagnostics: yaml.diagnostics };
  const secrets = findSecrets(yaml.data).map(
    (keyPath): Diagnostic => ({
      file,
      line: yaml.lineOf(keyPath),
      field: formatPath(keyPath),
      rule: "secret",
      severity: "error",
      message: t("secret", { key: String(keyPath[keyPath.length - 1]) }),
    }),
  );
  if (secrets.length > 0) return { diagnostics: secrets };
  return validate(configSchema, yaml.data ?? {}, file, yaml.lineOf);
}

export async function loadConfig(
  root: string,
): Promise<{ value?: Config; diagnostics: Diagnostic[] }> {
  const absolute = path.join(root, CONFIG_FILE);
  if (!existsSync(absolute)) {
    const message = t("config-missing");
    return {
      diagnostics: [{ file: CONFIG_FILE, rule: "config-missing", severity: "error", message }],
    };
  }
  const { text, diagnostics } = await readText(absolute, CONFIG_FILE, {
    root,
    maxBytes: MAX_TEXT_BYTES,
  });
  return text === undefined ? { diagnostics } : parseConfig(text);
}

function findSecrets(data: unknown, at: PropertyKey[] = []): PropertyKey[][] {
  if (!data || typeof data !== "object") return [];
  return Object.entries(data).flatMap(([key, value]) => [
    ...(SECRET.test(key) ? [[...at, key]] : []),
    ...findSecrets(value, [...at, Array.isArray(data) ? Number(key) : key]),
  ]);
}
