/**
 * What Markdown lettre agrees to render, checked on the text before any parsing.
 *
 * The Markdown parser (micromark) is linear on prose, but not on markup piled up in one
 * paragraph: each `]`, `*`, `_`, `~` or `<!--` may look back (or ahead) across the whole
 * paragraph, so 40 000 brackets took a minute; lists nested by indentation cost the cube of
 * their depth. Both are measured here, cheaply, so that such a text fails at once with its
 * line instead of hanging a build.
 */

/**
 * Blocks (lines, table cells) and markup characters in all the Markdown texts of an issue.
 * The reference issue has 70 lines and 15 marks; 256 KB of real prose ~2 500 lines and
 * ~3 000 marks; Gmail clips an email well before 3 000 blocks.
 */
export const MAX_BLOCKS = 3000;
export const MAX_MARKS = 20_000;
/** Levels of lists and quotes; a real newsletter uses 3 or 4. */
export const MAX_NESTING = 20;
/**
 * Lines that open a list or quote inside another one (a sub-item), for all the texts of an
 * issue: the parser's time grows with the square of their number in one text (4 000 took
 * 4 s), so the budget is the sum of those squares, as for one text of that many lines.
 */
export const MAX_NESTED_LINES = 1000;
/**
 * Markup work allowed for all the Markdown texts of one issue: the sum, over paragraphs, of
 * (markup characters × length). A reference issue costs ~3 000; a 256 KB issue of real prose
 * with links and bold ~2 million; 20 million is ~0.3 s of parsing in the worst case.
 */
export const MAX_MARKUP_COST = 20_000_000;

/** Characters that start or end an inline construct of Markdown (GFM). */
const MARKUP = /[*_~`[\]<&!\\]/g;
/** Block quote markers and list item markers at the start of a line. */
const CONTAINERS = /^(?:[ \t]*(?:>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)))*/;
const FENCE = /^[ \t]*(`{3,}|~{3,})/;
/** The line under a table's header: `| --- | :-: |`. */
const TABLE_DELIMITER = /^\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?$/;

export interface Nesting {
  /** Line of the text (0-based). */
  line: number;
  depth: number;
}

export interface Paragraph {
  /** First line of the paragraph in the text (0-based). */
  line: number;
  markup: number;
  chars: number;
  cost: number;
}

function indentWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    if (char === " ") width++;
    else if (char === "\t") width += 4 - (width % 4);
    else break;
  }
  return width;
}

/** Lines of `markdown` outside fenced code blocks, with their index. */
function* proseLines(markdown: string): Generator<{ line: string; index: number }> {
  let fence: string | undefined;
  const lines = markdown.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    const rest = line.slice((CONTAINERS.exec(line)?.[0] ?? "").length);
    const marker = FENCE.exec(rest)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      continue;
    }
    if (marker) {
      fence = marker;
      continue;
    }
    yield { line, index };
  }
}

/**
 * How deep lists and quotes nest on a line: its `>`, `-`, `1.` markers, plus its indentation
 * (each level of a list is indented by at least two columns).
 */
function depthOf(line: string): number {
  const prefix = CONTAINERS.exec(line)?.[0] ?? "";
  const markers = (prefix.match(/>|[-*+]|\d{1,9}[.)]/g) ?? []).length;
  return markers === 0 ? 0 : markers + Math.floor(indentWidth(prefix) / 2);
}

/** Lines (0-based) that open a list item or a quote inside another one. */
export function nestedLines(markdown: string): number[] {
  const found: number[] = [];
  for (const { line, index } of proseLines(markdown)) {
    if (/^[ \t]*(>|[-*+\d])/.test(line) && depthOf(line) >= 2) found.push(index);
  }
  return found;
}

/** The first line nested deeper than MAX_NESTING, if any. */
export function tooDeepLine(markdown: string): Nesting | undefined {
  for (const { line, index } of proseLines(markdown)) {
    // Cheap test first: no line of a real text starts with 20 markers or 40 spaces.
    if (line.length < MAX_NESTING) continue;
    const depth = depthOf(line);
    if (depth > MAX_NESTING) return { line: index, depth };
  }
  return undefined;
}

/** Each non-blank line of prose, with its container prefix and whether it is a table row. */
function* scan(
  markdown: string,
): Generator<{ index: number; prefix: string; rest: string; table: boolean }> {
  let table = false;
  for (const { line, index } of proseLines(markdown)) {
    const prefix = CONTAINERS.exec(line)?.[0] ?? "";
    const rest = line.slice(prefix.length).trim();
    // In a table (after its `| --- |` line), each row is parsed apart; else `|` is text.
    if (TABLE_DELIMITER.test(rest) && rest.includes("-")) table = true;
    else if (!rest.includes("|")) table = false;
    yield { index, prefix, rest, table };
  }
}

/**
 * The markup work of a text: each paragraph (a run of lines up to a blank line, a list item,
 * a heading or a table row, which the parser handles apart) costs its markup characters
 * times its length.
 */
export function markupCost(markdown: string): { total: number; worst?: Paragraph } {
  let total = 0;
  let worst: Paragraph | undefined;
  let current: Paragraph | undefined;
  const close = () => {
    if (!current) return;
    current.cost = current.markup * current.chars;
    total += current.cost;
    if (!worst || current.cost > worst.cost) worst = current;
    current = undefined;
  };
  for (const { index, prefix, rest, table } of scan(markdown)) {
    const startsBlock = /[-*+]|\d[.)]/.test(prefix) || rest.startsWith("#") || table;
    if (rest === "" || startsBlock) close();
    if (rest === "") continue;
    current ??= { line: index, markup: 0, chars: 0, cost: 0 };
    current.markup += rest.match(MARKUP)?.length ?? 0;
    current.chars += rest.length + 1;
  }
  close();
  return worst ? { total, worst } : { total };
}

/**
 * What each line of a text adds to the page: blocks (the line itself, and each cell of a
 * table row) and markup characters (links, emphasis…). Every element costs the parser, the
 * templates and MJML alike: 64 000 one-word list items fit in 256 KB and took 4 minutes.
 */
export function lineWeights(markdown: string): { line: number; blocks: number; marks: number }[] {
  const weights: { line: number; blocks: number; marks: number }[] = [];
  for (const { index, prefix, rest, table } of scan(markdown)) {
    if (rest === "" && prefix === "") continue;
    const cells = table ? (rest.match(/\|/g)?.length ?? 0) : 0;
    weights.push({ line: index, blocks: 1 + cells, marks: rest.match(MARKUP)?.length ?? 0 });
  }
  return weights;
}

/** A Markdown text over a limit: which text, its line (0-based), the message and its values. */
export interface LimitProblem {
  text: number;
  line: number;
  rule:
    | "markdown-nesting"
    | "markdown-nested-lines"
    | "markdown-blocks"
    | "markdown-marks"
    | "markdown-markup";
  params: Record<string, number>;
}

/**
 * Checks Markdown texts that are rendered together (the texts of one issue, or the config's
 * footer) against every limit above, with shared budgets. Cheap: a few passes over the text.
 */
export function checkMarkdown(texts: readonly string[]): LimitProblem[] {
  const problems: LimitProblem[] = [];
  let total = 0;
  let worst: { paragraph: Paragraph; text: number } | undefined;
  let nested = 0;
  let blocks = 0;
  let marks = 0;
  texts.forEach((markdown, text) => {
    const deep = tooDeepLine(markdown);
    if (deep) {
      problems.push({
        text,
        line: deep.line,
        rule: "markdown-nesting",
        params: { depth: deep.depth, max: MAX_NESTING },
      });
      return;
    }
    const lines = nestedLines(markdown);
    const over = lines.findIndex((_, k) => nested + (k + 1) ** 2 > MAX_NESTED_LINES ** 2);
    nested += lines.length ** 2;
    if (over >= 0) {
      problems.push({
        text,
        line: lines[over] ?? 0,
        rule: "markdown-nested-lines",
        params: { count: lines.length, max: MAX_NESTED_LINES },
      });
      return;
    }
    // Where the texts pass a budget of blocks or of marks: that line is reported.
    for (const weight of lineWeights(markdown)) {
      const before = { blocks, marks };
      blocks += weight.blocks;
      marks += weight.marks;
      if (before.blocks <= MAX_BLOCKS && blocks > MAX_BLOCKS) {
        problems.push({
          text,
          line: weight.line,
          rule: "markdown-blocks",
          params: { max: MAX_BLOCKS },
        });
      }
      if (before.marks <= MAX_MARKS && marks > MAX_MARKS) {
        problems.push({
          text,
          line: weight.line,
          rule: "markdown-marks",
          params: { max: MAX_MARKS },
        });
      }
    }
    const cost = markupCost(markdown);
    total += cost.total;
    if (cost.worst && (!worst || cost.worst.cost > worst.paragraph.cost)) {
      worst = { paragraph: cost.worst, text };
    }
  });
  if (total > MAX_MARKUP_COST && worst) {
    const { line, markup, chars } = worst.paragraph;
    problems.push({
      text: worst.text,
      line,
      rule: "markdown-markup",
      params: { count: markup, chars },
    });
  }
  return problems;
}
