/**
 * Markdown (GFM) → sanitised HTML, in the typography. Raw HTML is parsed, then
 * sanitised: no script, no event handler, no javascript: URL, no iframe. Relative links and
 * images are made absolute against the web page: an email has no "current folder".
 */
import { createRequire } from "node:module";
import type { Element, ElementContent, Nodes, Root } from "hast";
import type { Options as SanitizeSchema } from "rehype-sanitize";
import { t } from "../core/i18n.ts";
import { checkMarkdown } from "../core/limits.ts";
import { TextMemo } from "../core/memo.ts";
import { typography } from "./typography.ts";

const CLOBBER_PREFIX = "user-content-";

/**
 * unified and its plugins, loaded at the first text to render: a rebuild that finds every
 * text in the last build's products (pipeline/cache.ts) never needs them (0.2 s to load).
 */
const libraries = () => {
  const require = createRequire(import.meta.url);
  return {
    unified: (require("unified") as typeof import("unified")).unified,
    remarkParse: (require("remark-parse") as typeof import("remark-parse")).default,
    remarkGfm: (require("remark-gfm") as typeof import("remark-gfm")).default,
    remarkRehype: (require("remark-rehype") as typeof import("remark-rehype")).default,
    rehypeRaw: (require("rehype-raw") as typeof import("rehype-raw")).default,
    rehypeSanitize: require("rehype-sanitize") as typeof import("rehype-sanitize"),
    rehypeStringify: (require("rehype-stringify") as typeof import("rehype-stringify")).default,
  };
};
let loaded: ReturnType<typeof libraries> | undefined;

const sanitizeSchema = (defaultSchema: SanitizeSchema): SanitizeSchema => ({
  ...defaultSchema,
  // Links and images: only web and mail addresses (relative paths stay allowed).
  protocols: { href: ["http", "https", "mailto"], src: ["http", "https"] },
  // Every id and name (from raw HTML too: `<img name="getElementById">`) gets a prefix, so
  // that none clobbers a global of the page's scripts; rehypeLettre mends in-page links.
  clobberPrefix: CLOBBER_PREFIX,
  // Removed elements whose text must not show either.
  strip: ["script", "style", "textarea", "title", "noscript", "template", "select", "button"],
});

const SKIP = new Set(["code", "pre", "kbd", "samp"]);
const FOOTNOTES: Record<string, { label: string; back: string }> = {
  fr: { label: "Notes", back: "Retour au texte" },
  en: { label: "Notes", back: "Back to the text" },
};

/** A Markdown text lettre cannot render (e.g. nested thousands of levels deep). */
export class MarkdownError extends Error {}

/** An address that depends on the page it is read from: `images/x.png`, `../a/`. */
function isRelative(value: unknown): value is string {
  return typeof value === "string" && !/^([a-z][a-z0-9+.-]*:|#|\/\/)/i.test(value);
}

function absolute(value: unknown, base: string | undefined): unknown {
  if (!base || !isRelative(value)) return value;
  try {
    return new URL(value, base).href;
  } catch {
    return value;
  }
}

/**
 * remark-rehype does not prefix the notes' heading id: do it, one id per text. Runs before
 * raw HTML is parsed, so an editor's own `id="footnote-label"` is not taken for it.
 */
function rehypeFootnoteLabel(options: { prefix: string }) {
  const label = `${options.prefix}footnote-label`;
  const walk = (node: Nodes): void => {
    if (node.type === "element") {
      const { properties } = node;
      if (properties.id === "footnote-label") properties.id = label;
      if (Array.isArray(properties.ariaDescribedBy)) {
        properties.ariaDescribedBy = properties.ariaDescribedBy.map((id) =>
          id === "footnote-label" ? label : id,
        );
      }
    }
    if ("children" in node) for (const child of node.children) walk(child);
  };
  return (tree: Root) => walk(tree);
}

const CLOBBERED = ["id", "name", "ariaDescribedBy", "ariaLabelledBy"] as const;

/**
 * After sanitizing, every id and name starts with `user-content-`. The footnotes' own ids,
 * already unique to this text (`fn-<hash>-`), get their form back; then a link `#programme`
 * to an id the editor wrote in this text (`<a id="programme">`) is pointed at its prefixed
 * form, as GitHub's pages do. Other hash links (`#section-2` of the page) are left alone.
 */
function mendAnchors(tree: Root, prefix: string): void {
  const own = prefix === CLOBBER_PREFIX ? undefined : `${CLOBBER_PREFIX}${prefix}`;
  const unprefix = (value: unknown) =>
    own && typeof value === "string" && value.startsWith(own)
      ? value.slice(CLOBBER_PREFIX.length)
      : value;
  const anchors = new Set<string>();
  const links: Element[] = [];
  const walk = (node: Nodes): void => {
    if (node.type === "element") {
      const { properties } = node;
      const values: Record<string, unknown> = properties;
      for (const key of CLOBBERED) {
        const value = values[key];
        values[key] = Array.isArray(value) ? value.map(unprefix) : unprefix(value);
        if (values[key] === undefined) delete values[key];
      }
      for (const key of ["id", "name"] as const) {
        if (typeof properties[key] === "string") anchors.add(properties[key]);
      }
      if (node.tagName === "a" && typeof properties.href === "string") links.push(node);
    }
    if ("children" in node) for (const child of node.children) walk(child);
  };
  walk(tree);
  for (const link of links) {
    const href = link.properties.href as string;
    if (!href.startsWith("#") || anchors.has(href.slice(1))) continue;
    let target = href.slice(1);
    try {
      target = decodeURIComponent(target);
    } catch {}
    if (anchors.has(`${CLOBBER_PREFIX}${target}`))
      link.properties.href = `#${CLOBBER_PREFIX}${target}`;
  }
}

/** Typography on text (outside code), absolute URLs, marked tables, task-list boxes as text. */
function rehypeLettre(options: { lang: string; base: string | undefined; prefix: string }) {
  const wrapped = new WeakSet<Element>();
  /** Whether this text held a relative address: then its HTML depends on `base`. */
  let relative = false;
  const element = (node: Element): ElementContent => {
    const { properties } = node;
    if (node.tagName === "input" && properties.type === "checkbox") {
      return { type: "text", value: properties.checked ? "☑" : "☐" };
    }
    // The page's title is the only h1: Markdown headings start one level below it.
    const level = /^h([1-5])$/.exec(node.tagName)?.[1];
    if (level) node.tagName = `h${Number(level) + 1}`;
    if (node.tagName === "table" && !wrapped.has(node)) {
      // A table wider than its column scrolls inside this box (see the email's head.hbs).
      properties.className = ["data-table"];
      wrapped.add(node);
      return {
        type: "element",
        tagName: "div",
        properties: { className: ["table-scroll"] },
        children: [node],
      };
    }
    if (node.tagName === "img") {
      relative ||= isRelative(properties.src);
      properties.src = absolute(properties.src, options.base) as string;
    }
    if (node.tagName === "a" && typeof properties.href === "string") {
      relative ||= isRelative(properties.href);
      properties.href = absolute(properties.href, options.base) as string;
      if (/^https?:/i.test(properties.href)) properties.target = "_blank";
      // A link that shows a bare address (often longer than a table column): it may break
      // anywhere; the words of other texts never do.
      const [only] = node.children;
      if (
        node.children.length === 1 &&
        only?.type === "text" &&
        /^(https?:\/\/|www\.)\S+$/i.test(only.value.trim())
      ) {
        properties.className = ["url"];
      }
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
  return (tree: Root, file: { data: Record<string, unknown> }) => {
    relative = false;
    mendAnchors(tree, options.prefix);
    walk(tree, false);
    file.data.relative = relative;
  };
}

const processors = new Map<string, ReturnType<typeof makeProcessor>>();

function makeProcessor(lang: string, base: string | undefined, prefix: string) {
  const notes = FOOTNOTES[lang] ?? FOOTNOTES.en;
  loaded ??= libraries();
  const { unified, remarkParse, remarkGfm, remarkRehype, rehypeRaw, rehypeStringify } = loaded;
  const schema = sanitizeSchema(loaded.rehypeSanitize.defaultSchema);
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
    .use(rehypeFootnoteLabel, { prefix })
    .use(rehypeRaw)
    .use(loaded.rehypeSanitize.default, schema)
    .use(rehypeLettre, { lang, base, prefix })
    .use(rehypeStringify);
}

function hash(text: string): string {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h.toString(36);
}

/**
 * Lists or quotes nested beyond any reason, or markup piled up so that parsing would take
 * minutes (see limits.ts): refused before parsing. The content stage reports these with
 * their line; this is the last guard, for Markdown that does not come from an issue.
 */
export function tooDeep(markdown: string): boolean {
  return checkMarkdown([markdown]).length > 0;
}

/**
 * Rendered texts: an issue's texts are rendered for its email, its web page, its feed entry,
 * its summary and search entry, and again at every rebuild of `lettre dev`. The HTML is a
 * function of the text, the language and, only for a text that holds a relative address,
 * the base: a text without one is kept once for every base.
 */
const rendered = new TextMemo<{ html: string; relative: boolean; size: number }>(
  32 * 1024 * 1024,
  "md",
);

/**
 * Renders Markdown to sanitised HTML. Synchronous: every plugin here is. `base` is the
 * address relative links and images are resolved against.
 */
export function markdownToHtml(markdown: string, lang: string, base?: string): string {
  const anyBase = `${lang}\n${markdown}`;
  const known = rendered.get(anyBase);
  if (known && !known.relative) return known.html;
  const ownBase = `${lang} ${base ?? ""}\n${markdown}`;
  const forBase = known && rendered.get(ownBase);
  if (forBase) return forBase.html;
  const made = render(markdown, lang, base);
  const entry = { ...made, size: made.html.length };
  rendered.set(anyBase, made.relative ? { html: "", relative: true, size: 0 } : entry);
  if (made.relative) rendered.set(ownBase, entry);
  return made.html;
}

function render(markdown: string, lang: string, base: string | undefined) {
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
    const file = processor.processSync(markdown);
    return { html: String(file).trim(), relative: file.data.relative === true };
  } catch (error) {
    if (error instanceof RangeError)
      throw new MarkdownError(t("markdown-too-deep"), { cause: error });
    throw error;
  }
}
