/**
 * The preview's own pages: the list of issues, and one page per issue with the email at
 * desktop and phone widths, its plain text, its archive page and its size against Gmail's
 * clip. Plain HTML made here (they are lettre's tool, not the editors' templates).
 */

import { escapeHtml } from "../core/html.ts";
import { getLocale, kilobytes, t } from "../core/i18n.ts";
import { GMAIL_CLIP_BYTES } from "../email/index.ts";

export interface PreviewIssue {
  slug: string;
  title: string;
  date: string;
  draft: boolean;
  bytes: number;
  text: string;
}

const STYLE = `
  body { font-family: system-ui, sans-serif; margin: 0; color: #1f2933; background: #f4f6f9; }
  header { background: #0b5394; color: #fff; padding: 0.75rem 1.25rem; }
  header a { color: #fff; }
  main { padding: 1rem 1.25rem 3rem; }
  h1 { font-size: 1.4rem; margin: 0.5rem 0 1rem; }
  h2 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
  ul.issues { list-style: none; padding: 0; }
  ul.issues li { background: #fff; border: 1px solid #d9e2ec; border-radius: 6px; padding: 0.75rem 1rem; margin: 0 0 0.5rem; }
  .meta { color: #4a5766; font-size: 0.9rem; }
  .size { display: inline-block; min-width: 12rem; }
  .over { color: #b3261e; font-weight: 700; }
  meter { width: 10rem; vertical-align: middle; }
  .frames { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
  figure { margin: 0; }
  figcaption { font-size: 0.9rem; color: #4a5766; margin: 0 0 0.25rem; }
  iframe { border: 1px solid #d9e2ec; background: #fff; height: 900px; }
  pre { background: #fff; border: 1px solid #d9e2ec; padding: 1rem; white-space: pre-wrap; max-width: 48rem; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="${getLocale()}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — lettre</title><style>${STYLE}</style></head>
<body><header><a href="/">lettre</a> · ${escapeHtml(t("preview-title"))} · <a href="/archive/">${escapeHtml(t("preview-archive"))}</a></header>
<main>${body}</main>
</body></html>
`;
}

function size(bytes: number): string {
  const kb = kilobytes(bytes);
  const over = bytes > GMAIL_CLIP_BYTES;
  return `<span class="size${over ? " over" : ""}">${escapeHtml(t("preview-size", { size: kb }))}</span>
    <meter min="0" max="${GMAIL_CLIP_BYTES}" high="${GMAIL_CLIP_BYTES * 0.9}" value="${Math.min(bytes, GMAIL_CLIP_BYTES)}"></meter>`;
}

export function indexPage(issues: readonly PreviewIssue[]): string {
  const items = issues
    .map(
      (
        issue,
      ) => `<li><a href="/preview/${issue.slug}/"><strong>${escapeHtml(issue.title)}</strong></a>
      <div class="meta">${escapeHtml(issue.slug)} · ${issue.date}${issue.draft ? ` · ${escapeHtml(t("preview-draft"))}` : ""} · ${size(issue.bytes)}</div></li>`,
    )
    .join("\n");
  const body = issues.length
    ? `<ul class="issues">${items}</ul>`
    : `<p>${escapeHtml(t("cli-no-issues"))}</p>`;
  return page(t("preview-title"), `<h1>${escapeHtml(t("preview-title"))}</h1>${body}`);
}

export function issuePage(issue: PreviewIssue): string {
  const email = `/email/${issue.slug}.html`;
  const body = `<h1>${escapeHtml(issue.title)}</h1>
  <p class="meta">${size(issue.bytes)} · <a href="${email}">${escapeHtml(t("preview-open-email"))}</a>${
    issue.draft
      ? ""
      : ` · <a href="/archive/${issue.slug}/">${escapeHtml(t("preview-open-page"))}</a>`
  }</p>
  <div class="frames">
    <figure><figcaption>${escapeHtml(t("preview-desktop"))}</figcaption>
      <iframe src="${email}" width="640" title="${escapeHtml(t("preview-desktop"))}"></iframe></figure>
    <figure><figcaption>${escapeHtml(t("preview-phone"))}</figcaption>
      <iframe src="${email}" width="375" title="${escapeHtml(t("preview-phone"))}"></iframe></figure>
  </div>
  <h2>${escapeHtml(t("preview-text"))}</h2>
  <pre id="text">${escapeHtml(issue.text)}</pre>
  ${
    issue.draft
      ? ""
      : `<h2>${escapeHtml(t("preview-page"))}</h2>
  <iframe src="/archive/${issue.slug}/" width="1024" title="${escapeHtml(t("preview-page"))}"></iframe>`
  }`;
  return page(issue.title, body);
}
