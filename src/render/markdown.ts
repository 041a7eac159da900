/**
 * Markdown (GFM) → sanitised HTML, in the typography. Raw HTML is parsed, then
 * sanitised: no script, no event handler, no javascript: URL, no iframe.
 */
import type { Element, Nodes, Root } from "hast";
import rehypeRaw from "rehype-raw";
import rehypeSanitize, { defaultSchema, type Options as SanitizeSchema } from "rehype-sanitize";
import rehypeStringify from "rehype-stringify";
import remarkGfm from "remark-gfm";
import remarkParse from "remark-parse";
import remarkRehype from "remark-rehype";
import { unified } from "unified";
import { typography } from "./typography.ts";

const schema: SanitizeSchema = {
  ...defaultSchema,
  // Links and images: only web and mail addresses (relative paths stay allowed).
  protocols: { href: ["http", "https", "mailto"], src: ["http", "https"] },
  // No form controls in an email (GFM task lists become plain text).
  tagNames: (defaultSchema.tagNames ?? []).filter((name) => name !== "input"),
};

const SKIP = new Set(["code", "pre", "kbd", "samp", "script", "style"]);

/** Applies typography to text nodes (outside code) and marks data tables. */
function rehypeLettre(options: { lang: string }) {
  const walk = (node: Nodes, inCode: boolean): void => {
    if (node.type === "text" && !inCode) node.value = typography(node.value, options.lang);
    if (node.type === "element") markElement(node);
    if ("children" in node) {
      const code = inCode || (node.type === "element" && SKIP.has(node.tagName));
      for (const child of node.children) walk(child, code);
    }
  };
  return (tree: Root) => walk(tree, false);
}

function markElement(node: Element): void {
  if (node.tagName === "table") node.properties.className = ["data-table"];
  if (node.tagName === "a" && typeof node.properties.href === "string") {
    node.properties.target = "_blank";
  }
}

const processors = new Map<string, ReturnType<typeof makeProcessor>>();

function makeProcessor(lang: string) {
  return unified()
    .use(remarkParse)
    .use(remarkGfm)
    .use(remarkRehype, { allowDangerousHtml: true })
    .use(rehypeRaw)
    .use(rehypeSanitize, schema)
    .use(rehypeLettre, { lang })
    .use(rehypeStringify);
}

/** Renders Markdown to sanitised HTML. Synchronous: every plugin here is. */
export function markdownToHtml(markdown: string, lang: string): string {
  let processor = processors.get(lang);
  if (!processor) {
    processor = makeProcessor(lang);
    processors.set(lang, processor);
  }
  return String(processor.processSync(markdown)).trim();
}
