/**
 * Images and files issues refer to by a relative path (`images/x.jpg`, `files/x.pdf`, next to
 * the issues in newsletters/): checked to exist, then published beside the issue's page,
 * where the email and the feeds already point (`<site url>/<slug>/images/x.jpg`).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { CONTENT_DIR, type Issue } from "../content/index.ts";
import { type Diagnostic, formatPath } from "../core/diagnostic.ts";
import { t } from "../core/i18n.ts";

interface Reference {
  src: string;
  path: PropertyKey[];
  /** Lines after the start of the Markdown text where the image is (intro body only). */
  offset?: number;
}

const MARKDOWN_IMAGE = /!\[[^\]]*\]\(\s*<?([^\s)>]+)/g;
const HTML_IMAGE = /<img\b[^>]*\bsrc\s*=\s*["']?([^"'\s>]+)/gi;
/** Links to files: `[le programme](files/programme.pdf)`, `<a href="files/x.pdf">`. */
const MARKDOWN_LINK = /(?<!!)\[[^\]]*\]\(\s*<?([^\s)>]+)/g;
const HTML_LINK = /<a\b[^>]*\bhref\s*=\s*["']?([^"'\s>]+)/gi;
const FILE = /\.[a-z0-9]{1,5}$/i;

function isRelative(src: string): boolean {
  return !/^([a-z][a-z0-9+.-]*:|\/\/|#|\/)/i.test(src);
}

/**
 * Every relative image or file an issue uses: cover, article images, images and links to
 * files inside Markdown.
 */
export function imageReferences(issue: Issue): Reference[] {
  const refs: Reference[] = [];
  const inMarkdown = (text: string | undefined, at: PropertyKey[]) => {
    for (const pattern of [MARKDOWN_IMAGE, HTML_IMAGE, MARKDOWN_LINK, HTML_LINK]) {
      for (const m of text?.matchAll(pattern) ?? []) {
        const src = m[1] ?? "";
        // A link is a file to publish when it names one (has an extension); images always.
        const isLink = pattern === MARKDOWN_LINK || pattern === HTML_LINK;
        if (isLink && !FILE.test(src.replace(/[?#].*$/, ""))) continue;
        const offset = (text ?? "").slice(0, m.index).split("\n").length - 1;
        refs.push({ src: src.replace(/[?#].*$/, ""), path: at, offset });
      }
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
 * Reads every relative image of `issues`. Returns the files to publish, keyed by their path
 * in the archive (`<slug>/images/x.jpg`), and an error for each missing one.
 */
export async function collectAssets(
  root: string,
  issues: readonly Issue[],
): Promise<{ files: Map<string, Uint8Array>; diagnostics: Diagnostic[] }> {
  const files = new Map<string, Uint8Array>();
  const diagnostics: Diagnostic[] = [];
  for (const issue of issues) {
    for (const ref of imageReferences(issue)) {
      const clean = path.posix.normalize(safeDecode(ref.src));
      const outside = clean.startsWith("..") || path.posix.isAbsolute(clean);
      const bytes = outside
        ? undefined
        : await readFile(path.join(root, CONTENT_DIR, clean)).catch(() => undefined);
      if (!bytes) {
        diagnostics.push({
          file: issue.file,
          line: ref.path.length > 0 ? issue.lineOf(ref.path) : issue.bodyLine + (ref.offset ?? 0),
          field: ref.path.length > 0 ? formatPath(ref.path) : "body",
          rule: "asset-missing",
          severity: "error",
          message: t("asset-missing", { value: ref.src, file: `${CONTENT_DIR}/${clean}` }),
        });
        continue;
      }
      files.set(`${issue.slug}/${clean}`, bytes);
    }
  }
  return { files, diagnostics };
}

function safeDecode(src: string): string {
  try {
    return decodeURI(src);
  } catch {
    return src;
  }
}
