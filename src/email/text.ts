/**
 * The plain-text alternative, made from the compiled email so that what editors change in
 * templates shows in both parts: headings, lists, data tables as lines, each link once.
 */
import { createRequire } from "node:module";

/** Loaded with the first email to compile (never, in a rebuild that compiles none). */
let convert: typeof import("html-to-text").convert | undefined;

export function htmlToText(html: string): string {
  convert ??= (createRequire(import.meta.url)("html-to-text") as typeof import("html-to-text"))
    .convert;
  const text = convert(html, {
    wordwrap: 78,
    selectors: [
      { selector: "img", format: "skip" },
      // The hidden preheader (and any hidden block) and the "view in browser" bar.
      { selector: ".preheader", format: "skip" },
      { selector: '[style*="display:none"]', format: "skip" },
      { selector: ".text-skip", format: "skip" },
      {
        selector: "a",
        options: { hideLinkHrefIfSameAsText: true, linkBrackets: ["<", ">"] },
      },
      { selector: "h1", options: { uppercase: false, leadingLineBreaks: 1 } },
      { selector: "h2", options: { uppercase: false, leadingLineBreaks: 1 } },
      { selector: "h3", options: { uppercase: false } },
      { selector: "table.data-table", format: "dataTable" },
      { selector: "table.facts", format: "dataTable" },
      { selector: "ul", options: { itemPrefix: " - " } },
    ],
  });
  return `${text
    .replace(/[^\S\n]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim()}\n`;
}
