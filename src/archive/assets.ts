/**
 * Images and files issues refer to by a relative path (`images/x.jpg`, `files/x.pdf`, next to
 * the issues in newsletters/): checked to exist, then published beside the issue's page,
 * where the email and the feeds already point (`<site url>/<slug>/images/x.jpg`).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Nodes } from "mdast";
import remarkGfm from "remark-gfm";
import remarkParse from "remark-parse";
import { unified } from "unified";
import { CONTENT_DIR, type Issue } from "../content/index.ts";
import { type Diagnostic, formatPath } from "../core/diagnostic.ts";
import { t } from "../core/i18n.ts";
import { tooDeep } from "../render/markdown.ts";

interface Reference {
  src: string;
  path: PropertyKey[];
  /** Lines after the start of the Markdown text where the reference is (intro body only). */
  offset?: number;
}

const parser = unified().use(remarkParse).use(remarkGfm);
const HTML_SRC = /<(?:img\b[^>]*\bsrc|a\b[^>]*\bhref)\s*=\s*["']?([^"'\s>]+)/gi;
/** A link is a file to publish when it names one (has an extension); an image always. */
const FILE = /\.[a-z0-9]{1,5}$/i;

function isRelative(src: string): boolean {
  return !/^([a-z][a-z0-9+.-]*:|\/\/|#|\/)/i.test(src);
}

/** Images, links and link definitions (`[logo]: images/logo.png`) of a Markdown text. */
function markdownReferences(text: string): { src: string; line: number }[] {
  const found: { src: string; line: number }[] = [];
  const walk = (node: Nodes): void => {
    const line = (node.position?.start.line ?? 1) - 1;
    if (node.type === "image") found.push({ src: node.url, line });
    if ((node.type === "link" || node.type === "definition") && FILE.test(clean(node.url))) {
      found.push({ src: node.url, line });
    }
    if (node.type === "html") {
      for (const m of node.value.matchAll(HTML_SRC)) {
        const isImage = /^<img/i.test(m[0]);
        if (isImage || FILE.test(clean(m[1] ?? ""))) found.push({ src: m[1] ?? "", line });
      }
    }
    if ("children" in node) for (const child of node.children) walk(child);
  };
  // Too deep to parse: the email stage reports it with the issue.
  if (!tooDeep(text)) walk(parser.parse(text));
  return found;
}

function clean(src: string): string {
  return src.replace(/[?#].*$/, "");
}

/**
 * Every relative image or file an issue uses: cover, article images, images and links to
 * files inside Markdown.
 */
export function imageReferences(issue: Issue): Reference[] {
  const refs: Reference[] = [];
  const inMarkdown = (text: string | undefined, at: PropertyKey[]) => {
    for (const { src, line } of markdownReferences(text ?? "")) {
      refs.push({ src: clean(src), path: at, offset: line });
    }
  };
  if (issue.data.image) refs.push({ src: issue.data.image.src, path: ["image", "src"] });
  inMarkdown(issue.body, []);
  issue.data.sections.forEach((section, i) => {
    const at = ["sections", i];
    if (section.type === "article" && section.image) {
      refs.push({ src: section.image.src, path: [...at, "image", "src"] });
    }
    if ("body" in section) inMarkdown(section.body, [...at, "body"]);
    if (section.type === "datathon") inMarkdown(section.winner?.body, [...at, "winner", "body"]);
    if (section.type === "agenda") {
      section.items.forEach((item, j) => {
        inMarkdown(item.body, [...at, "items", j, "body"]);
      });
    }
  });
  return refs.filter((ref) => ref.src && isRelative(ref.src));
}

/**
 * Reads every relative image and file of `issue`. Returns the files to publish, keyed by
 * their path in the archive (`<slug>/images/x.jpg`), and an error for each missing one.
 * `cache` keeps the result while neither the issue nor its files change (`lettre dev`).
 */
export async function collectAssets(
  root: string,
  issue: Issue,
  cache?: WeakMap<Issue, { files: Map<string, Uint8Array>; diagnostics: Diagnostic[] }>,
): Promise<{ files: Map<string, Uint8Array>; diagnostics: Diagnostic[] }> {
  const known = cache?.get(issue);
  if (known) return known;
  const files = new Map<string, Uint8Array>();
  const diagnostics: Diagnostic[] = [];
  for (const ref of imageReferences(issue)) {
    const relative = path.posix.normalize(safeDecode(ref.src));
    const outside = relative.startsWith("..") || path.posix.isAbsolute(relative);
    const bytes = outside
      ? undefined
      : await readFile(path.join(root, CONTENT_DIR, relative)).catch(() => undefined);
    if (!bytes) {
      diagnostics.push({
        file: issue.file,
        line: ref.path.length > 0 ? issue.lineOf(ref.path) : issue.bodyLine + (ref.offset ?? 0),
        field: ref.path.length > 0 ? formatPath(ref.path) : "body",
        rule: "asset-missing",
        severity: "error",
        message: t("asset-missing", { value: ref.src, file: `${CONTENT_DIR}/${relative}` }),
      });
      continue;
    }
    files.set(`${issue.slug}/${relative}`, bytes);
  }
  cache?.set(issue, { files, diagnostics });
  return { files, diagnostics };
}

function safeDecode(src: string): string {
  try {
    return decodeURI(src);
  } catch {
    return src;
  }
}
