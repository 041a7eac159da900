import { describe, expect, it } from "vitest";
import { markdownToHtml } from "../../src/render/markdown.ts";
import { frenchTypography } from "../../src/render/typography.ts";

const NBSP = "\u00A0";
const NNBSP = "\u202F";

describe("markdown", () => {
  it("renders GFM tables, lists and links", () => {
    const html = markdownToHtml("- a\n- [b](https://x.org)\n\n| h |\n| - |\n| c |", "en");
    expect(html).toContain("<li>a</li>");
    expect(html).toContain('<a href="https://x.org" target="_blank">b</a>');
    expect(html).toContain('<table class="data-table">');
    expect(html).toContain("<td>c</td>");
  });

  it("removes scripts, event handlers, javascript: links and iframes", () => {
    const html = markdownToHtml(
      [
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)" onclick="steal()">piège</a>',
        '<iframe src="https://evil.example/"></iframe>',
        '<img src="https://x.org/a.png" alt="a" onerror="steal()">',
        "[lien](javascript:alert(2)) <svg onload=alert(3)></svg>",
        '<p style="background:url(javascript:alert(4))">style</p>',
      ].join("\n\n"),
      "fr",
    );
    expect(html).not.toMatch(/script|onclick|onerror|onload|iframe|javascript:|style=/i);
    expect(html).toContain('<img src="https://x.org/a.png" alt="a">');
    expect(html).toContain("piège");
  });

  it("applies French typography to text but not to code or URLs", () => {
    const html = markdownToHtml(
      "Bonjour ! Quoi ? « Oui » ; voici : `a : b` https://x.org/?q=1 à 10:30",
      "fr",
    );
    expect(html).toContain(
      `Bonjour${NNBSP}! Quoi${NNBSP}? «${NBSP}Oui${NBSP}»${NNBSP}; voici${NBSP}:`,
    );
    expect(html).toContain("<code>a : b</code>");
    expect(html).toContain('href="https://x.org/?q=1"');
    expect(html).toContain("10:30");
  });

  it("keeps English text as written", () => {
    expect(markdownToHtml("Hello : world !", "en")).toBe("<p>Hello : world !</p>");
  });
});

describe("French typography", () => {
  it("adds the missing spaces inside guillemets and keeps numbers together", () => {
    expect(frenchTypography("«Destination IA»")).toBe(`«${NBSP}Destination IA${NBSP}»`);
    expect(frenchTypography("1 631 participants, 271 M€, 30 %")).toBe(
      `1${NNBSP}631 participants, 271${NBSP}M€, 30${NBSP}%`,
    );
  });
});
