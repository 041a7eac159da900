/**
 * The compiler's part of the email stage: MJML → minified HTML and its plain text. Apart
 * from the rest of the stage so that a worker thread (pipeline/workers.ts) loads nothing
 * else; mjml itself (about 0.7 s to load) is loaded at the first compile, so that a build
 * whose emails all come from the cache, or `lettre send status`, never loads it.
 */
import { htmlToText } from "./text.ts";

export interface MjmlError {
  line: number;
  message: string;
  tagName: string;
}

export type Compiled =
  | { html: string; text: string }
  | { errors: MjmlError[] }
  /** mjml itself failed (not the MJML): its message. */
  | { failure: string };

/** Compiles MJML; never throws. The lettre markers left in the HTML are removed. */
export async function compileMjml(mjml: string, minify = true): Promise<Compiled> {
  const { default: mjml2html } = await import("mjml");
  let html: string;
  try {
    const result = await mjml2html(mjml, {
      validationLevel: "strict",
      minify,
      keepComments: false,
      fonts: {},
    });
    html = result.html;
  } catch (error) {
    const errors = (error as { errors?: MjmlError[] }).errors;
    if (!errors) return { failure: (error as Error).message };
    return { errors: errors.map(({ line, message, tagName }) => ({ line, message, tagName })) };
  }
  html = html.replace(/<!-- lettre:(begin [^>]*|end )-->/g, "");
  return { html, text: htmlToText(html) };
}
