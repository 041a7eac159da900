import { createRequire } from "node:module";
import path from "node:path";
import type { Nodes } from "mdast";
import { type DefaultTreeAdapterTypes, parseFragment } from "parse5";
import { CONFIG_FILE, type Config, configLineOf } from "../config/index.ts";
import { CONTENT_DIR, type Issue, markdownTexts } from "../content/index.ts";
import { type Diagnostic, formatPath } from "../core/diagnostic.ts";
import {
  fileSize,
  listInside,
  MAX_ASSET_BYTES,
  type ReadFailure,
  readFailureMessage,
  readInside,
} from "../core/files.ts";
import { t } from "../core/i18n.ts";
import { TextMemo } from "../core/memo.ts";
import { tooDeep } from "../render/markdown.ts";
import { type Origin, readSide, shownFile, side, TEMPLATES_DIR, themeOf } from "../render/theme.ts";

interface Reference {
  src: string;
  path: PropertyKey[];
  /** Line of the Markdown text where the reference is (0-based), for Markdown texts. */
  offset?: number;
}

/** An image of a Markdown text without alternative text. */
interface Unlabelled {
  src: string;
  line: number;
  /** `<img>` without alt (raw HTML), or `![](x.png)` with empty brackets. */
  html: boolean;
}

/** Loaded at the first text to look at (see render/markdown.ts). */
let parser: { parse(text: string): Nodes } | undefined;
const markdownParser = () => {
  const require = createRequire(import.meta.url);
  const { unified } = require("unified") as typeof import("unified");
  const remarkParse = (require("remark-parse") as typeof import("remark-parse")).default;
  const remarkGfm = (require("remark-gfm") as typeof import("remark-gfm")).default;
  return unified().use(remarkParse).use(remarkGfm);
};
/** A link is a file to publish when it names one (has an extension); an image always. */
const FILE = /\.[a-z0-9]{1,5}$/i;

function isRelative(src: string): boolean {
  return !/^([a-z][a-z0-9+.-]*:|\/\/|#|\/)/i.test(src);
}

/**
 * The `<img>` and `<a>` elements of a piece of raw HTML, read by a real HTML parser (so that
 * `data-src=`, or a `>` inside a quoted attribute, is not taken for what it is not), with the
 * line (0-based, in the piece) where each tag starts.
 */
function* rawElements(
  html: string,
): Generator<{ tag: string; attrs: Map<string, string>; line: number }> {
  type Node = DefaultTreeAdapterTypes.ChildNode | DefaultTreeAdapterTypes.DocumentFragment;
  const walk = function* (
    node: Node,
  ): Generator<{ tag: string; attrs: Map<string, string>; line: number }> {
    if ("tagName" in node && (node.tagName === "img" || node.tagName === "a")) {
      yield {
        tag: node.tagName,
        attrs: new Map(node.attrs.map((a) => [a.name, a.value])),
        line: (node.sourceCodeLocation?.startLine ?? 1) - 1,
      };
    }
    const children =
      "content" in node ? node.content.childNodes : "childNodes" in node ? node.childNodes : [];
    for (const child of children) yield* walk(child);
  };
  yield* walk(parseFragment(html, { sourceCodeLocationInfo: true }));
}

/**
 * Images, links and link definitions (`[logo]: images/logo.png`) of a Markdown text, and its
 * images without alternative text. Lines are 0-based in the text.
 */
type References = { found: { src: string; line: number }[]; unlabelled: Unlabelled[] };

/** By text: the same texts are looked at again at every rebuild of `lettre dev`. */
const referencesOf = new TextMemo<References & { size: number }>(4 * 1024 * 1024, "refs");
/** What any image, link, link definition or raw `<img>`/`<a>` needs to be written. */
const MAY_REFER = /!\[|\]\s*[(:[]|<(?:img|a)\b/i;

function markdownReferences(text: string): References {
  if (!MAY_REFER.test(text)) return { found: [], unlabelled: [] };
  const known = referencesOf.get(text);
  if (known) return known;
  const made = findReferences(text);
  return referencesOf.set(text, { ...made, size: made.found.length * 64 });
}

function findReferences(text: string): References {
  const found: { src: string; line: number }[] = [];
  const unlabelled: Unlabelled[] = [];
  const walk = (node: Nodes): void => {
    const line = (node.position?.start.line ?? 1) - 1;
    if (node.type === "image") {
      found.push({ src: node.url, line });
      if (!node.alt?.trim()) unlabelled.push({ src: node.url, line, html: false });
    }
    if ((node.type === "link" || node.type === "definition") && FILE.test(clean(node.url))) {
      found.push({ src: node.url, line });
    }
    if (node.type === "html") {
      // A block of HTML may span lines: each tag is on the line where it starts.
      for (const element of rawElements(node.value)) {
        const at = line + element.line;
        const src = element.attrs.get(element.tag === "img" ? "src" : "href");
        if (src && (element.tag === "img" || FILE.test(clean(src)))) found.push({ src, line: at });
        // alt="" is allowed: it marks a decorative image, which screen readers skip.
        if (element.tag === "img" && !element.attrs.has("alt")) {
          unlabelled.push({ src: src ?? "", line: at, html: true });
        }
      }
    }
    if ("children" in node) for (const child of node.children) walk(child);
  };
  // Too deep to parse: the content stage reports it with the issue.
  if (!tooDeep(text)) {
    parser ??= markdownParser();
    walk(parser.parse(text));
  }
  return { found, unlabelled };
}

function clean(src: string): string {
  return src.replace(/[?#].*$/, "");
}

/**
 * Every relative image or file an issue uses (cover, article images, images and links to
 * files inside Markdown), and the images of its Markdown texts without alternative text.
 */
function references(issue: Issue): {
  refs: Reference[];
  unlabelled: (Unlabelled & { path: PropertyKey[]; offset: number })[];
} {
  const refs: Reference[] = [];
  const unlabelled: (Unlabelled & { path: PropertyKey[]; offset: number })[] = [];
  if (issue.data.image) refs.push({ src: issue.data.image.src, path: ["image", "src"] });
  issue.data.sections.forEach((section, i) => {
    if (section.type === "article" && section.image) {
      refs.push({ src: section.image.src, path: ["sections", i, "image", "src"] });
    }
  });
  for (const { path: at, text } of markdownTexts(issue)) {
    const found = markdownReferences(text);
    for (const { src, line } of found.found) refs.push({ src: clean(src), path: at, offset: line });
    for (const image of found.unlabelled) {
      unlabelled.push({ ...image, path: at, offset: image.line });
    }
  }
  return { refs: refs.filter((ref) => ref.src && isRelative(ref.src)), unlabelled };
}

/**
 * Reads every relative image and file of `issue`. Returns the files to publish, keyed by
 * their path in the archive (`<slug>/images/x.jpg`), an error for each missing or refused one
 * and a warning for each image without alternative text.
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
  const { refs, unlabelled } = references(issue);
  const at = (ref: { path: PropertyKey[]; offset?: number | undefined }) => ({
    file: issue.file,
    line: ref.offset === undefined ? issue.lineOf(ref.path) : issue.lineIn(ref.path, ref.offset),
    field: ref.path.length > 0 ? formatPath(ref.path) : "body",
  });
  for (const ref of refs) {
    const { relative, file, read } = await readAsset(root, ref.src);
    if ("bytes" in read) files.set(`${issue.slug}/${relative}`, read.bytes);
    else diagnostics.push({ ...at(ref), ...refusal(ref.src, file, read), severity: "error" });
  }
  for (const image of unlabelled) {
    diagnostics.push({
      ...at(image),
      rule: "alt-missing",
      severity: "warning",
      message: t(image.html ? "img-alt-missing" : "markdown-alt-empty", { value: image.src }),
    });
  }
  cache?.set(issue, { files, diagnostics });
  return { files, diagnostics };
}

/** Reads an image or file named by a path relative to newsletters/, to publish it. */
async function readAsset(root: string, src: string) {
  const relative = path.posix.normalize(safeDecode(src));
  const file = `${CONTENT_DIR}/${relative}`;
  const outside = relative.startsWith("..") || path.posix.isAbsolute(relative);
  const read = outside
    ? ({ reason: "missing" } as const)
    : await readInside(file, { root, within: CONTENT_DIR, maxBytes: MAX_ASSET_BYTES });
  return { relative, file, read };
}

/** The rule and message for an image or file that could not be read. */
function refusal(
  src: string,
  file: string,
  read: ReadFailure,
  missingRule: "asset-missing" | "logo-missing" = "asset-missing",
) {
  if (read.reason === "missing") {
    return { rule: missingRule, message: t(missingRule, { value: src, file }) };
  }
  const detail =
    read.reason === "too-big"
      ? t("asset-too-big", { size: fileSize(read.size), max: fileSize(read.max) })
      : readFailureMessage(read, file);
  return {
    rule: read.reason === "outside" ? "asset-outside" : "asset-refused",
    message: t("asset-refused", { value: src, detail }),
  };
}

/**
 * The site's logo, when `site.logo.src` is a relative path: it is read from newsletters/,
 * like the issues' images (the same safe reader: no link out of the folder, no device, a
 * size limit), and published at that path at the archive's root, the address every email
 * gives it (`<site.url>/<src>`). A missing or refused logo is an error at its line in
 * lettre.config.yaml. An https:// logo is the editor's to publish.
 */
export async function siteLogo(
  root: string,
  config: Config,
): Promise<{ files: Map<string, Uint8Array>; diagnostics: Diagnostic[] }> {
  const files = new Map<string, Uint8Array>();
  const diagnostics: Diagnostic[] = [];
  const src = config.site.logo?.src;
  if (!src || !isRelative(src)) return { files, diagnostics };
  const { relative, file, read } = await readAsset(root, src);
  if ("bytes" in read) files.set(relative, read.bytes);
  else {
    diagnostics.push({
      file: CONFIG_FILE,
      line: configLineOf(config, ["site", "logo", "src"]),
      field: "site.logo.src",
      ...refusal(src, file, read, "logo-missing"),
      severity: "error",
    });
  }
  return { files, diagnostics };
}

/**
 * The files of templates/archive/assets/ (style.css, search.js, fonts/…), by path inside it:
 * the built-in theme's, each replaced by the project's file of the same path. Sub-folders
 * are copied; links are not followed out of templates/, nor into folders, so that a link to
 * /usr never makes a build read gigabytes. Each refusal is a diagnostic.
 */
export async function templateAssets(
  root: string,
  dir: string,
  diagnostics: Diagnostic[],
): Promise<Map<string, Uint8Array>> {
  const theme = themeOf(root);
  const found = new Map<string, Uint8Array>();
  const walk = async (origin: Origin, relative: string, depth: number): Promise<void> => {
    const from = side(theme, origin);
    const folder = relative ? `${dir}/${relative}` : dir;
    const listed = await listInside(folder, { root: from, within: TEMPLATES_DIR });
    if (!("entries" in listed)) {
      diagnostics.push({
        file: shownFile(theme, folder, origin),
        rule: listed.reason === "outside" ? "file-outside" : "file-read",
        severity: "error",
        message: readFailureMessage(listed, `${folder}/`),
      });
      return;
    }
    for (const entry of listed.entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      const file = `${dir}/${name}`;
      if (entry.isDirectory()) {
        if (depth < 8) await walk(origin, name, depth + 1);
        continue;
      }
      const read = await readSide(theme, file, origin, MAX_ASSET_BYTES);
      if ("bytes" in read) {
        found.set(name, read.bytes);
        continue;
      }
      diagnostics.push({
        file: shownFile(theme, file, origin),
        rule: read.reason === "outside" ? "file-outside" : "file-read",
        severity: "error",
        message:
          read.reason === "directory" ? t("template-asset-link") : readFailureMessage(read, file),
      });
    }
  };
  if (theme.builtin) await walk("builtin", "", 0);
  await walk("project", "", 0);
  return new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
}

function safeDecode(src: string): string {
  try {
    return decodeURI(src);
  } catch {
    return src;
  }
}
