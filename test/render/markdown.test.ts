import { describe, expect, it } from "vitest";
import { MarkdownError, markdownToHtml } from "../../src/render/markdown.ts";
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

  // Regression: the notes of the introduction and of a section had the same ids.
  it("gives the footnotes of different texts different ids", () => {
    const ids = (html: string) => [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    const intro = ids(markdownToHtml("Intro[^1].\n\n[^1]: Une note.", "fr"));
    const section = ids(markdownToHtml("Section[^1].\n\n[^1]: Une autre note.", "fr"));
    expect(intro).toHaveLength(3);
    expect(intro.filter((id) => section.includes(id))).toEqual([]);
  });

  it("keeps the page title the only h1: Markdown headings move one level down", () => {
    expect(markdownToHtml("# Titre\n\n## Sous-titre", "fr")).toBe(
      "<h2>Titre</h2>\n<h3>Sous-titre</h3>",
    );
  });

  it("makes relative links and images absolute against the issue's page", () => {
    const html = markdownToHtml(
      "![Photo](images/photo.jpg) [page](autre.html) [ici](#note) [mail](mailto:a@b.org)",
      "fr",
      "https://lettre.example.org/2026-s1/",
    );
    expect(html).toContain('src="https://lettre.example.org/2026-s1/images/photo.jpg"');
    expect(html).toContain('href="https://lettre.example.org/2026-s1/autre.html" target="_blank"');
    expect(html).toContain('<a href="#note">ici</a>');
    expect(html).toContain('href="mailto:a@b.org">');
  });

  it("renders a text with relative addresses for each base, whatever was rendered before", () => {
    const text = "![Photo](images/photo.jpg) et [la page](autre.html)";
    const bases = ["https://a.example/1/", "https://b.example/2/", undefined];
    const first = bases.map((base) => markdownToHtml(text, "fr", base));
    const again = bases.toReversed().map((base) => markdownToHtml(text, "fr", base));
    expect(first[0]).toContain('src="https://a.example/1/images/photo.jpg"');
    expect(first[1]).toContain('href="https://b.example/2/autre.html"');
    expect(first[2]).toContain('src="images/photo.jpg"');
    expect(again.toReversed()).toEqual(first);
    // A text without one reads the same from every page.
    const plain = "[site](https://x.org) et [note](#n)";
    expect(markdownToHtml(plain, "fr", "https://a.example/")).toBe(markdownToHtml(plain, "fr"));
  });

  it("links footnotes to their notes, with French labels", () => {
    const html = markdownToHtml("Texte[^1].\n\n[^1]: La note.", "fr");
    const target = /href="#([^"]+)"[^>]*data-footnote-ref/.exec(html)?.[1];
    expect(target).toMatch(/^fn-\w+-fn-1$/);
    expect(html).toContain(`<li id="${target}">`);
    expect(html).toContain(">Notes</h3>");
    expect(html).toContain('aria-label="Retour au texte"');
  });

  it("drops the text of removed elements and shows task boxes as text", () => {
    const html = markdownToHtml(
      "<style>body{color:red}</style><form><button>Envoyer</button><textarea>t</textarea></form>\n\n- [x] fait\n- [ ] à faire",
      "fr",
    );
    expect(html).not.toMatch(/color:red|Envoyer|<textarea|<form|<input/);
    expect(html).toContain("☑ fait");
    expect(html).toContain("☐ à faire");
  });

  it("refuses Markdown nested too deep with a message instead of a crash", () => {
    expect(() => markdownToHtml(">".repeat(20000), "fr")).toThrow(MarkdownError);
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
    expect(frenchTypography("1 000 000 €")).toBe(`1${NNBSP}000${NNBSP}000${NBSP}€`);
    // Regression: a year followed by a number was glued into one ("2025 350").
    expect(frenchTypography("En 2025 350 personnes")).toBe("En 2025 350 personnes");
  });
});
