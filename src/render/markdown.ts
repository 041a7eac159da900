/**
 * Markdown (GFM) → sanitised HTML, in the typography. Raw HTML is parsed, then
 * sanitised: no script, no event handler, no javascript: URL, no iframe. Relative links and
 * images are made absolute against the web page: an email has no "current folder".
 */
import type { Element, ElementContent, Nodes, Root } from "hast";
import rehypeRaw from "rehype-raw";
import rehypeSanitize, { defaultSchema, type Options as SanitizeSchema } from "rehype-sanitize";
import rehypeStringify from "rehype-stringify";
import remarkGfm from "remark-gfm";
import remarkParse from "remark-parse";
import remarkRehype from "remark-rehype";
import { unified } from "unified";
import { t } from "../core/i18n.ts";
import { typography } from "./typography.ts";

const schema: SanitizeSchema = {
  ...defaultSchema,
  // Links and images: only web and mail addresses (relative paths stay allowed).
  protocols: { href: ["http", "https", "mailto"], src: ["http", "https"] },
  // remark-rehype already prefixes footnote ids; a second prefix would break their links.
  clobberPrefix: "",
  // Removed elements whose text must not show either.
  strip: ["script", "style", "textarea", "title", "noscript", "template", "select", "button"],
};

const SKIP = new Set(["code", "pre", "kbd", "samp"]);
const FOOTNOTES: Record<string, { label: string; back: string }> = {
  fr: { label: "Notes", back: "Retour au texte" },
  en: { label: "Notes", back: "Back to the text" },
};

/** A Markdown text lettre cannot render (e.g. nested thousands of levels deep). */
export class MarkdownError extends Error {}

function absolute(value: unknown, base: string | undefined): unknown {
  if (!base || typeof value !== "string" || /^([a-z][a-z0-9+.-]*:|#|\/\/)/i.test(value)) {
    return value;
  }
  try {
    return new URL(value, base).href;
  } catch {
    return value;
  }
}

/** Typography on text (outside code), absolute URLs, marked tables, task-list boxes as text. */
function rehypeLettre(options: { lang: string; base: string | undefined; prefix: string }) {
  const element = (node: Element): ElementContent => {
    const { properties } = node;
    if (node.tagName === "input" && properties.type === "checkbox") {
      return { type: "text", value: properties.checked ? "☑" : "☐" };
    }
    // The page's title is the only h1: Markdown headings start one level below it.
    const level = /^h([1-5])$/.exec(node.tagName)?.[1];
    if (level) node.tagName = `h${Number(level) + 1}`;
    if (node.tagName === "table") properties.className = ["data-table"];
    // remark-rehype does not prefix the notes' heading id: do it, one id per text.
    if (properties.id === "footnote-label") properties.id = `${options.prefix}footnote-label`;
    if (Array.isArray(properties.ariaDescribedBy)) {
      properties.ariaDescribedBy = properties.ariaDescribedBy.map((id) =>
        id === "footnote-label" ? `${options.prefix}footnote-label` : id,
      );
    }
    if (node.tagName === "img") properties.src = absolute(properties.src, options.base) as string;
    if (node.tagName === "a" && typeof properties.href === "string") {
      properties.href = absolute(properties.href, options.base) as string;
      if (/^https?:/i.test(properties.href)) properties.target = "_blank";
    }
    return node;
  };
  const walk = (node: Nodes, inCode: boolean): void => {
    if (node.type === "text" && !inCode) node.value = typography(node.value, options.lang);
    if (!("children" in node)) return;
    const code = inCode || (node.type === "element" && SKIP.has(node.tagName));
    node.children = node.children.map((child) =>
      child.type === "element" ? element(child) : child,
    ) as typeof node.children;
    for (const child of node.children) walk(child, code);
  };
  return (tree: Root) => walk(tree, false);
}

const processors = new Map<string, ReturnType<typeof makeProcessor>>();

function makeProcessor(lang: string, base: string | undefined, prefix: string) {
  const notes = FOOTNOTES[lang] ?? FOOTNOTES.en;
  return unified()
    .use(remarkParse)
    .use(remarkGfm)
    .use(remarkRehype, {
      allowDangerousHtml: true,
      clobberPrefix: prefix,
      footnoteLabel: notes?.label,
      footnoteBackLabel: notes?.back,
      footnoteLabelTagName: "h2",
      footnoteLabelProperties: {},
    })
    .use(rehypeRaw)
    .use(rehypeSanitize, schema)
    .use(rehypeLettre, { lang, base, prefix })
    .use(rehypeStringify);
}

function hash(text: string): string {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h.toString(36);
}

/** Quotes or lists nested beyond any reason: refused before the parser exhausts the stack. */
const MAX_NESTING = 100;
export function tooDeep(markdown: string): boolean {
  return markdown.split("\n").some((line) => {
    const markers = /^[>*+\-\s]*/.exec(line)?.[0].replace(/\s/g, "") ?? "";
    return markers.length > MAX_NESTING;
  });
}

/**
 * Renders Markdown to sanitised HTML. Synchronous: every plugin here is. `base` is the
 * address relative links and images are resolved against.
 */
export function markdownToHtml(markdown: string, lang: string, base?: string): string {
  let processor: ReturnType<typeof makeProcessor> | undefined;
  if (markdown.includes("[^")) {
    // Footnote ids must differ between the texts of one page: derive them from the text.
    processor = makeProcessor(lang, base, `fn-${hash(markdown)}-`);
  } else {
    const key = `${lang} ${base ?? ""}`;
    processor = processors.get(key);
    if (!processor) {
      processor = makeProcessor(lang, base, "user-content-");
      processors.set(key, processor);
    }
  }
  if (tooDeep(markdown)) throw new MarkdownError(t("markdown-too-deep"));
  try {
    return String(processor.processSync(markdown)).trim();
  } catch (error) {
    if (error instanceof RangeError)
      throw new MarkdownError(t("markdown-too-deep"), { cause: error });
    throw error;
  }
}
