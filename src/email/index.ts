/**
 * Stage "email": MJML → minified, strictly validated HTML and its plain-text part.
 * An MJML error is mapped back to the template (and the issue section) that produced it.
 */
import type { Issue } from "../content/index.ts";
import type { Diagnostic } from "../core/diagnostic.ts";
import { kilobytes, t } from "../core/i18n.ts";
import { UNSUBSCRIBE_PLACEHOLDER } from "../render/index.ts";
import { EMAIL_LAYOUT, MARK_BEGIN, MARK_END, type TemplateSet } from "../render/templates.ts";
import { type Compiled, compileMjml, type MjmlError } from "./compile.ts";

/** Gmail clips messages whose HTML is larger than this ("[Message clipped]"). */
export const GMAIL_CLIP_BYTES = 102 * 1024;

export interface Email {
  html: string;
  text: string;
  /** Size of the HTML in bytes, the figure Gmail's clipping looks at. */
  bytes: number;
  /** Size of the text in bytes. */
  textBytes: number;
}

export async function compileEmail(
  mjml: string,
  issue: Issue,
  templates: TemplateSet,
  options: {
    minify?: boolean;
    archiveUrl?: string;
    /** Where the MJML is compiled: here, or in a worker thread (pipeline/workers.ts). */
    compile?: (mjml: string) => Promise<Compiled>;
  } = {},
): Promise<{ email?: Email; diagnostics: Diagnostic[] }> {
  const fail = (rule: string, message: string, cause?: unknown) => ({
    diagnostics: [
      {
        file: templates.shown(EMAIL_LAYOUT),
        rule,
        severity: "error" as const,
        message: `${message} (${issue.file})`,
        cause,
      },
    ],
  });
  if (!/<mjml[\s>]/.test(mjml)) return fail("template-empty", t("template-empty"));
  const compiled = await (options.compile ?? ((m) => compileMjml(m, options.minify)))(mjml);
  if ("failure" in compiled) return fail("mjml", t("mjml", { detail: compiled.failure }));
  if ("errors" in compiled) {
    return { diagnostics: compiled.errors.map((e) => locate(e, mjml, issue, templates)) };
  }
  const { html, text } = compiled;
  // What every email must keep, whatever editors do to the templates.
  if (!html.includes(UNSUBSCRIBE_PLACEHOLDER)) {
    return fail("email-unsubscribe", t("email-unsubscribe"));
  }
  if (options.archiveUrl && !html.includes(`href="${options.archiveUrl}"`)) {
    return fail("email-view-online", t("email-view-online"));
  }
  const bytes = Buffer.byteLength(html);
  const diagnostics: Diagnostic[] = [];
  if (bytes > GMAIL_CLIP_BYTES) {
    diagnostics.push({
      file: issue.file,
      line: 1,
      rule: "email-size",
      severity: "warning",
      message: t("email-size", { size: kilobytes(bytes) }),
    });
  }
  return { email: { html, text, bytes, textBytes: Buffer.byteLength(text) }, diagnostics };
}

/** Finds the template (and section) whose output holds MJML line `error.line`. */
function locate(error: MjmlError, mjml: string, issue: Issue, templates: TemplateSet): Diagnostic {
  const stack: { file: string; section?: number }[] = [];
  const marker = new RegExp(
    `${escapeRegExp(MARK_BEGIN)}(\\S+)(?: #(\\d+))? -->|${escapeRegExp(MARK_END)}`,
    "g",
  );
  const upTo = mjml.split("\n").slice(0, error.line).join("\n");
  for (const m of upTo.matchAll(marker)) {
    if (m[1]) stack.push({ file: m[1], ...(m[2] ? { section: Number(m[2]) } : {}) });
    else stack.pop();
  }
  const file = stack.at(-1)?.file ?? EMAIL_LAYOUT;
  const shown = templates.shown(file);
  const section = stack.findLast((s) => s.section !== undefined)?.section;
  const detail = error.message;
  const message =
    section === undefined
      ? `${t("mjml", { detail })} (${issue.file})`
      : `${t("mjml-section", { detail, field: `sections[${section}]`, template: shown })} (${issue.file}:${issue.lineOf(["sections", section])})`;
  return {
    file: shown,
    line: templateLine(templates.sources.get(file), error),
    rule: "mjml",
    severity: "error",
    message,
  };
}

/** The line of the template that most likely holds the offending tag. */
function templateLine(source: string | undefined, error: MjmlError): number | undefined {
  if (!source) return undefined;
  const lines = source.split("\n");
  const attribute = /Attribute (\S+)/.exec(error.message)?.[1];
  const withTag = lines.flatMap((line, i) => (line.includes(`<${error.tagName}`) ? [i + 1] : []));
  const withBoth = attribute
    ? withTag.filter((n) => lines[n - 1]?.includes(`${attribute}=`))
    : withTag;
  return withBoth[0] ?? withTag[0];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
