/**
 * Stage "render": a validated issue + config + templates → the email's MJML source.
 * Templates receive a plain view model; plain strings already carry the typography of
 * the issue's language, Markdown goes through the `markdown` helper.
 */
import type { Config } from "../config/index.ts";
import type { Issue } from "../content/index.ts";
import type { Diagnostic } from "../core/diagnostic.ts";
import { t } from "../core/i18n.ts";
import { MarkdownError } from "./markdown.ts";
import { EMAIL_LAYOUT, type TemplateSet } from "./templates.ts";
import { typography } from "./typography.ts";

export { loadTemplates, type TemplateSet, type Templates } from "./templates.ts";

/** Filled in per recipient at send time. */
export const UNSUBSCRIBE_PLACEHOLDER = "{{unsubscribeUrl}}";

/** Keys whose values are never typeset: machine values, and Markdown (typeset when rendered). */
const VERBATIM = new Set(["type", "url", "src", "date", "end", "start", "body", "lang", "slug"]);

function typeset<T>(value: T, lang: string, key = ""): T {
  if (typeof value === "string") return (VERBATIM.has(key) ? value : typography(value, lang)) as T;
  if (Array.isArray(value)) return value.map((item) => typeset(item, lang, key)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeset(v, lang, k)])) as T;
  }
  return value;
}

/** The issue's page in the web archive (also the "view in browser" link). */
export function archiveUrl(config: Config, slug: string): string {
  return `${config.site.url}/${slug}/`;
}

/** Relative image paths are published next to the issue's archive page. */
export function absoluteUrl(src: string, base: string): string {
  return /^https?:\/\//i.test(src) ? src : new URL(src, base).href;
}

export function viewModel(issue: Issue, config: Config) {
  const lang = issue.lang;
  const url = archiveUrl(config, issue.slug);
  const { sections, image, ...front } = issue.data;
  return {
    lang,
    site: typeset(
      {
        ...config.site,
        logo: config.site.logo && {
          ...config.site.logo,
          src: absoluteUrl(config.site.logo.src, `${config.site.url}/`),
        },
      },
      lang,
    ),
    sender: config.sender,
    theme: config.theme,
    footer: config.footer,
    address: config.address && typography(config.address, lang),
    issue: {
      ...typeset(front, lang),
      slug: issue.slug,
      url,
      body: issue.body,
      image: image && { src: absoluteUrl(image.src, url), alt: typography(image.alt, lang) },
      sections: sections.map((section) => {
        const out = typeset(section, lang) as Record<string, unknown>;
        const img = out.image as { src: string; alt: string } | undefined;
        if (img) out.image = { ...img, src: absoluteUrl(img.src, url) };
        return out;
      }),
    },
    unsubscribeUrl: UNSUBSCRIBE_PLACEHOLDER,
  };
}

export function renderEmailMjml(
  issue: Issue,
  config: Config,
  templates: TemplateSet,
): { mjml?: string; diagnostics: Diagnostic[] } {
  try {
    const layout = templates.pages.get("layout");
    return { mjml: layout?.(viewModel(issue, config)) ?? "", diagnostics: [] };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (error instanceof MarkdownError) {
      return {
        diagnostics: [
          { file: issue.file, rule: "markdown", severity: "error", message: detail, cause: error },
        ],
      };
    }
    // A partial named at render time, e.g. `{{> (lookup . "type")}}`.
    const partial = /The partial (.+) could not be found/.exec(detail)?.[1];
    const message = partial
      ? t("template-partial", {
          value: partial,
          suggestion: "",
          known: "templates/email/partials/",
        })
      : t("template-runtime", { detail });
    return {
      diagnostics: [
        {
          file: templates.shown(EMAIL_LAYOUT),
          rule: "template-runtime",
          severity: "error",
          message: `${message} (${issue.file})`,
          cause: error,
        },
      ],
    };
  }
}
