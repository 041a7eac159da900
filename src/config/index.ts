/**
 * Stage "config": lettre.config.yaml → validated config. Same positioned errors as an issue.
 * Secrets (passwords, tokens, keys) are refused: they come from environment variables only.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { cleanConfigData } from "../core/chars.ts";
import { contrast, darkenToContrast, floorRatio } from "../core/contrast.ts";
import type { Diagnostic } from "../core/diagnostic.ts";
import { formatPath } from "../core/diagnostic.ts";
import { emailAddress, httpUrl, image, locale, text } from "../core/fields.ts";
import { MAX_TEXT_BYTES, readText } from "../core/files.ts";
import { getLocale, t } from "../core/i18n.ts";
import { checkMarkdown } from "../core/limits.ts";
import { type LineOf, validate } from "../core/validate.ts";
import { lineInField, readYaml } from "../core/yaml.ts";
import { transportProblem } from "../send/transport-url.ts";

export const CONFIG_FILE = "lettre.config.yaml";

const color = () =>
  z.string().refine((v) => /^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(v), {
    error: (issue) => t("color", { value: String(issue.input) }),
    params: { rule: "color" },
  });

/**
 * The page that unsubscribes a reader. It is the List-Unsubscribe link of RFC 8058 one-click
 * unsubscribe, which mail providers call only over https (Gmail, Yahoo): http:// is refused.
 * An address (mailto:) goes in unsubscribeMailto, and the message says so.
 */
const unsubscribeUrl = () =>
  z.string().superRefine((value, context) => {
    const v = value.trim();
    if (/^https:\/\/[^\s/$.?#][^\s]*$/i.test(v)) return;
    const key = /^http:\/\//i.test(v)
      ? "unsubscribe-url-http"
      : /^mailto:/i.test(v)
        ? "unsubscribe-url-mailto"
        : "unsubscribe-url";
    const address = v.replace(/^mailto:/i, "").replace(/\?.*$/, "");
    context.addIssue({
      code: "custom",
      input: value,
      message: t(key, { value, https: v.replace(/^http:/i, "https:"), address }),
      params: { rule: "unsubscribe-url" },
    });
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
      /** outbox:<folder> (default), smtp://host:port, smtps://user@host:port, ses://<region> */
      transport: z
        .string()
        .refine((v) => transportProblem(v) === undefined, {
          error: (issue) => transportProblem(String(issue.input)) ?? "",
          params: { rule: "transport" },
        })
        .default("outbox:outbox"),
      /**
       * Page that unsubscribes a reader: receives ?t=<token> (opaque, see src/send/token.ts);
       * https only (RFC 8058 one-click).
       */
      unsubscribeUrl: unsubscribeUrl().optional(),
      /** Address that unsubscribes a reader who writes to it (List-Unsubscribe mailto). */
      unsubscribeMailto: emailAddress().optional(),
      /** SMTP: simultaneous connections, and messages per second at most. */
      connections: z.number().int().min(1).max(50).default(3),
      rate: z.number().positive().max(1000).default(10),
      /** Optional DKIM signing; the private key comes from LETTRE_DKIM_PRIVATE_KEY. */
      dkim: z.strictObject({ domain: text(), selector: text() }).optional(),
    })
    .default({ transport: "outbox:outbox", connections: 3, rate: 10 }),
  /**
   * The sign-up form of `lettre serve` (double opt-in), shown on the archive's pages: the
   * lists readers may join. Without it, no form.
   */
  signup: z
    .strictObject({
      lists: z
        .array(
          z.strictObject({
            /** The list's name, as in `lettre list import <name>` and `lettre send --list`. */
            name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
            /** What readers see next to its box: "La lettre mensuelle du DataLab". */
            title: text(),
          }),
        )
        .min(1),
      /** Where the form posts: default <site.url>/subscribe (the server of `lettre serve`). */
      url: httpUrl().optional(),
      /** The consent text above the button; default: `signupConsent` of templates/labels.yaml. */
      consent: text().optional(),
      /** Keep each sign-up's IP address in its consent record. Off unless turned on. */
      keepIp: z.boolean().default(false),
      /** Behind a reverse proxy: the reader's address is the last one of X-Forwarded-For. */
      behindProxy: z.boolean().default(false),
    })
    .optional(),
  /**
   * Returned mail (`lettre inbox`, `lettre serve --inbox`, SES notifications): the mailbox
   * bounces, complaints and mailto unsubscribes come back to. Its password comes from
   * LETTRE_IMAP_PASSWORD.
   */
  inbox: z
    .strictObject({
      imap: z
        .strictObject({
          host: text(),
          /** Default 993 (tls), 143 (starttls, none). */
          port: z.number().int().min(1).max(65535).optional(),
          /** tls: encrypted from the start; starttls: upgraded; none: only on this machine. */
          security: z.enum(["tls", "starttls", "none"]).default("tls"),
          user: text(),
          /** The folder read. */
          mailbox: text().default("INBOX"),
          /** Where processed messages are moved (made if missing). */
          processed: text().default("lettre-traites"),
        })
        .optional(),
      /**
       * Amazon SES notifications through SNS to `lettre serve` at /sns: the topics accepted
       * (anyone can sign an SNS message with Amazon's key for a topic of their own).
       */
      sns: z
        .strictObject({
          topics: z
            .array(z.string().regex(/^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/))
            .min(1),
        })
        .optional(),
      /** A temporary bounce on this many distinct sends suppresses the address. */
      softBounces: z.number().int().min(1).max(100).default(3),
      /** `lettre serve --inbox`: minutes between two passes. */
      every: z.number().int().min(1).max(1440).default(10),
    })
    .default({ softBounces: 3, every: 10 }),
  /** Colours of the templates; each must be readable as text on white (see themeContrast). */
  theme: z
    .strictObject({
      primary: color().default("#0b5394"),
      accent: color().default("#a86015"),
    })
    .default({ primary: "#0b5394", accent: "#a86015" }),
});

export type Config = z.output<typeof configSchema>;

/** Where each value of a config read by parseConfig is in lettre.config.yaml. */
const configLines = new WeakMap<Config, LineOf>();

/** The line of a field of `config` in lettre.config.yaml (for later stages' messages). */
export function configLineOf(config: Config, at: readonly PropertyKey[]): number | undefined {
  return configLines.get(config)?.(at);
}

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
  // Control characters (Word's U+000B, NUL, ESC…) would reach every email, page and message.
  const cleaned = cleanConfigData(yaml.data ?? {}, file, yaml.lineOf);
  const result = validate(configSchema, cleaned.data, file, yaml.lineOf);
  result.diagnostics.unshift(...cleaned.diagnostics);
  if (!result.value) return result;
  result.diagnostics.push(...themeContrast(result.value.theme, file, yaml.lineOf));
  // The footer is Markdown on every email and page: the same limits as an issue's texts.
  const lines = source.split(/\r?\n/);
  const problems = checkMarkdown([result.value.footer]);
  for (const problem of problems) {
    result.diagnostics.push({
      file,
      line: lineInField(lines, yaml.lineOf, ["footer"], problem.line),
      field: "footer",
      rule: problem.rule,
      severity: "error",
      message: t("markdown-footer"),
    });
  }
  // Nothing may render a footer that would take minutes: no config to build with.
  if (problems.length > 0) return { diagnostics: result.diagnostics };
  configLines.set(result.value, yaml.lineOf);
  return result;
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

/**
 * WCAG AA (1.4.3) for the theme's colours, where the default templates use them as text:
 * `accent` colours the section labels (12 px bold capitals, small text) on the white cards
 * and on the datathon winner's box; `primary` colours links on white, and is the background
 * of white text (header, buttons). Small text needs 4.5:1. An error: the archive and the
 * email are public-sector pages (RGAA), and the message gives the colour to write instead.
 */
const TEXT_ON = {
  accent: ["#ffffff", "#fff7ec"],
  primary: ["#ffffff"],
} as const;
const AA = 4.5;

function themeContrast(theme: Config["theme"], file: string, lineOf: LineOf): Diagnostic[] {
  const number = (ratio: number) =>
    floorRatio(ratio).toLocaleString(getLocale() === "fr" ? "fr-FR" : "en-GB", {
      maximumFractionDigits: 2,
    });
  return (["accent", "primary"] as const).flatMap((key): Diagnostic[] => {
    const colour = theme[key];
    const backgrounds = TEXT_ON[key];
    const background = backgrounds.find((bg) => floorRatio(contrast(colour, bg)) < AA);
    if (!background) return [];
    const suggestion = darkenToContrast(colour, backgrounds, AA);
    return [
      {
        file,
        line: lineOf(["theme", key]),
        field: `theme.${key}`,
        rule: "theme-contrast",
        severity: "error",
        message: t(`theme-contrast-${key}`, {
          value: colour,
          ratio: number(contrast(colour, background)),
          background,
          suggestion,
          suggested: number(Math.min(...backgrounds.map((bg) => contrast(suggestion, bg)))),
        }),
      },
    ];
  });
}
