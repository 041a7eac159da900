/**
 * Stage "archive": published issues → the static web archive (dist/archive/).
 *   1. issue pages, with their email version, images and calendar files
 *   2. the list of issues, newest first, 20 a page; tag pages
 *   3. views across issues: events (upcoming, past), datathons, EU projects; search
 *   4. feed.xml, feed.json, events.ics, sitemap.xml, robots.txt, search index, assets
 * Drafts never appear in any of them.
 */
import { CONFIG_FILE, type Config, configLineOf } from "../config/index.ts";
import type { Issue } from "../content/index.ts";
import type { Diagnostic } from "../core/diagnostic.ts";
import { t } from "../core/i18n.ts";
import { type Content, type LazyText, type Products, productKey } from "../core/products.ts";
import type { Email } from "../email/index.ts";
import type { TemplateSet } from "../render/index.ts";
import { viewModel } from "../render/index.ts";
import { MarkdownError } from "../render/markdown.ts";
import { fillHtml } from "../send/message.ts";
import { collectAssets, siteLogo, templateAssets } from "./assets.ts";
import {
  calendarEntries,
  type Entry,
  entryView,
  icsOf,
  joinCalendars,
  splitByDate,
} from "./calendar.ts";
import { FEED_SIZE, feeds } from "./feeds.ts";
import { jsonLd } from "./jsonld.ts";
import { ArchiveMemo } from "./memo.ts";
import {
  card,
  datathonsOf,
  listPath,
  newestFirst,
  type Page,
  page,
  paginate,
  projectsOf,
  signupForm,
  summaryOf,
  tagsOf,
} from "./model.ts";
import { publicConfig, publicIssue } from "./public.ts";
import { searchIndex } from "./search.ts";
import { robots, sitemap } from "./sitemap.ts";

export const ARCHIVE_DIR = "archive";
const ASSETS_DIR = "templates/archive/assets";

export interface ArchiveInput {
  root: string;
  config: Config;
  templates: TemplateSet;
  /** Every loaded issue; drafts are left out here. */
  issues: readonly Issue[];
  /**
   * Compiled email HTML by slug, published as `<slug>/email.html`; awaited last, so that
   * the pages are made while the emails compile.
   */
  emails: Promise<ReadonlyMap<string, { email: Email; key?: string }>>;
  /** YYYY-MM-DD that splits upcoming from past events. */
  today: string;
  /** What previous builds made from unchanged issues (`lettre dev`). */
  memo?: ArchiveMemo;
  /**
   * What the previous `lettre build` made (core/products.ts), with the hash of what every
   * page depends on besides its own data: the code, the config, the templates, the language
   * of messages.
   */
  products?: { kept: Products; context: string };
}

export async function buildArchive(
  input: ArchiveInput,
): Promise<{ files: Map<string, Content>; diagnostics: Diagnostic[] }> {
  const { templates } = input;
  // The web has no subscriber: placeholders show their fallback everywhere below.
  const config = publicConfig(input.config);
  const all = input.issues.map(publicIssue);
  const files = new Map<string, Content>();
  const pages: { url: string; lastmod?: string }[] = [];
  const diagnostics: Diagnostic[] = [];
  const issues = newestFirst(all.filter((issue) => !issue.data.draft));
  const entries = calendarEntries(issues, config);
  const site = { lang: config.lang, site: config.site, theme: config.theme };
  const common = {
    ...site,
    sender: config.sender,
    footer: config.footer,
    address: config.address,
    signup: signupForm(config),
  };

  /** `make()`, or what the last build made from the same `parts`. */
  const keep = <T>(kind: string, parts: (string | undefined)[], make: () => T): T => {
    const products = input.products;
    return products
      ? products.kept.once(productKey(kind, products.context, ...parts), make)
      : make();
  };
  /** The hash of an issue's file name and text: what everything made of it depends on. */
  const digests = new Map<Issue, string>();
  const digestOf = (issue: Issue) => {
    let digest = digests.get(issue);
    if (digest === undefined) {
      digest = productKey("", issue.file, issue.source);
      digests.set(issue, digest);
    }
    return digest;
  };
  /** Like `keep`, for a text only written out: one of the last build is not read. */
  const keepText = (
    kind: string,
    parts: (string | undefined)[],
    make: () => string | undefined,
  ): string | LazyText | undefined => {
    const products = input.products;
    if (!products) return make();
    return products.kept.onceText(productKey(kind, products.context, ...parts), make);
  };
  const publish = (p: Page, html: string | LazyText | undefined, issue?: Issue) => {
    if (html === undefined) return;
    files.set(`${p.path}index.html`, html);
    pages.push({ url: p.url, ...(issue ? { lastmod: issue.data.date } : {}) });
  };
  /** JSON of a page's data, each issue in it written as its digest. */
  const published = new Set<object>(all);
  const json = (value: unknown) =>
    JSON.stringify(value, (_key, v: unknown) =>
      typeof v === "object" && v !== null && published.has(v) ? digestOf(v as Issue) : v,
    );
  /**
   * A list page, a function of `from` (the issues it is made from, in order) and `extra`
   * alone: its data is made only when one of them changed, and the page rendered again
   * only if that data changed (an issue edited in a way the page does not show).
   */
  const render = (
    name: string,
    p: Page,
    from: readonly Issue[],
    data: () => object,
    extra?: string,
  ) => {
    const parts = [name, json(p), extra, ...from.map(digestOf)];
    const html = keepText("list", parts, () => {
      const made = data();
      return keep("view", [name, json(p), json(made)], () => renderPage(name, p, made));
    });
    publish(p, html);
  };
  const renderPage = (name: string, p: Page, data: object, issue?: Issue) => {
    try {
      return templates.pages.get(name)?.({ ...common, ...data, page: p }) ?? "";
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      if (error instanceof MarkdownError && issue) {
        diagnostics.push({
          file: issue.file,
          rule: "markdown",
          severity: "error",
          message: detail,
        });
        return;
      }
      diagnostics.push({
        file: templates.shown(`templates/archive/pages/${name}.hbs`),
        rule: "template-runtime",
        severity: "error",
        message: `${t("template-runtime", { detail })}${issue ? ` (${issue.file})` : ""}`,
        cause: error,
      });
    }
  };

  // 1. Issue pages
  const memo = input.memo;
  for (const issue of all) {
    const assets = await collectAssets(input.root, issue, memo?.assets);
    diagnostics.push(...assets.diagnostics);
    if (!issue.data.draft) for (const [file, bytes] of assets.files) files.set(file, bytes);
  }
  const byIssue = Map.groupBy(entries, (entry) => entry.issue);
  /** Each dated entry's own calendar, made once per issue; events.ics joins them. */
  const calendarFiles = new Map<string, string>();
  issues.forEach((issue, i) => {
    const p = page(config, `${issue.slug}/`, issue.data.title, summaryOf(issue));
    const own = byIssue.get(issue) ?? [];
    const older = issues[i + 1];
    const newer = issues[i - 1];
    const make = () =>
      renderPage(
        "issue",
        p,
        {
          ...issueModel(issue, config, own, p.root, true),
          tags: card(issue, p.root).tags,
          newer: newer && card(newer, p.root),
          older: older && card(older, p.root),
          emailHref: "email.html",
          jsonLd: jsonLd(issue, config, own),
        },
        issue,
      );
    const html = memo
      ? memo.page(issue, older, newer, make)
      : keepText(
          "page",
          [digestOf(issue), older && digestOf(older), newer && digestOf(newer)],
          make,
        );
    publish(p, html, issue);
    const calendars = ArchiveMemo.once(memo?.calendars, issue, () =>
      keep("ics", [digestOf(issue)], () => {
        const made = new Map<string, string>();
        for (const entry of own) if (entry.file) made.set(entry.file, icsOf([entry], config));
        return made;
      }),
    );
    for (const [file, ics] of calendars) {
      files.set(file, ics);
      calendarFiles.set(file, ics);
    }
  });

  // 2. Lists of issues
  const lists = paginate(issues);
  lists.forEach((list, i) => {
    const n = i + 1;
    const p = page(config, listPath(n), "");
    const href = (k: number) => `${p.root}${listPath(k)}`;
    const data = () => ({
      issues: list.map((issue) => card(issue, p.root)),
      pagination: {
        current: n,
        total: lists.length,
        newer: n > 1 ? href(n - 1) : undefined,
        older: n < lists.length ? href(n + 1) : undefined,
        pages: lists.map((_, k) => ({ n: k + 1, href: href(k + 1), current: k + 1 === n })),
      },
    });
    render("index", p, list, data, `${n}/${lists.length}`);
  });
  const tags = tagsOf(issues);
  const tagsPage = page(config, "tags/", "");
  render("tags", tagsPage, issues, () => ({
    tags: tags.map((tag) => ({ ...tag, count: tag.issues.length, href: `${tag.slug}/` })),
  }));
  for (const tag of tags) {
    const p = page(config, `tags/${tag.slug}/`, tag.name);
    render("tag", p, tag.issues, () => ({
      tag: tag.name,
      issues: tag.issues.map((issue) => card(issue, p.root)),
    }));
  }

  // 3. Views across issues
  const events = page(config, "events/", "");
  render(
    "events",
    events,
    issues,
    () => {
      const { upcoming, past } = splitByDate(entries, input.today);
      return {
        upcoming: upcoming.map((e) => entryView(e, events.root)),
        past: past.map((e) => entryView(e, events.root)),
      };
    },
    input.today,
  );
  const datathons = page(config, "datathons/", "");
  render("datathons", datathons, issues, () => ({
    datathons: datathonsOf(issues, datathons.root),
  }));
  const projects = page(config, "projects/", "");
  render("projects", projects, issues, () => ({ projects: projectsOf(issues, projects.root) }));
  render("search", page(config, "search/", ""), [], () => ({}));

  // 4. Feeds, calendar, sitemap, search index, assets
  const content = templates.env.compile("{{> issue-content}}");
  const feedContent = (issue: Issue) =>
    ArchiveMemo.once(memo?.contents, issue, () =>
      keep("feed", [digestOf(issue)], () => feedHtml(issue)),
    );
  const feedHtml = (issue: Issue) => {
    try {
      const url = `${config.site.url}/${issue.slug}/`;
      const html = content({
        ...common,
        ...issueModel(issue, config, byIssue.get(issue) ?? [], `${config.site.url}/`, false),
        page: page(config, `${issue.slug}/`, issue.data.title),
      });
      // A feed reader resolves "#note" against the feed: point it at the issue's page.
      return html.replace(/href="#/g, () => `href="${url}#`);
    } catch (error) {
      if (error instanceof MarkdownError) return ""; // reported with the issue's page
      throw error;
    }
  };
  try {
    const newest = issues.slice(0, FEED_SIZE);
    const known = memo?.feeds;
    const same =
      known?.issues.length === newest.length && newest.every((x, i) => known.issues[i] === x);
    const { atom, json } = same ? known : feeds(newest, config, feedContent);
    if (memo) memo.feeds = { issues: newest, atom, json };
    files.set("feed.xml", atom);
    files.set("feed.json", json);
  } catch (error) {
    diagnostics.push({
      file: templates.shown("templates/archive/partials/issue-content.hbs"),
      rule: "template-runtime",
      severity: "error",
      message: t("template-runtime", { detail: (error as Error).message }),
      cause: error,
    });
  }
  files.set("events.ics", joinCalendars([...calendarFiles.values()], config));
  files.set("search-index.js", searchIndex(issues));
  files.set("sitemap.xml", sitemap(pages));
  files.set("robots.txt", robots(config.site.url));
  for (const [name, content] of await templateAssets(input.root, ASSETS_DIR, diagnostics)) {
    files.set(`assets/${name}`, content);
  }
  // The logo every email shows, at the address the emails give it.
  const logo = await siteLogo(input.root, input.config);
  diagnostics.push(...logo.diagnostics);
  for (const [file, bytes] of logo.files) {
    if (!files.has(file)) {
      files.set(file, bytes);
      continue;
    }
    diagnostics.push({
      file: CONFIG_FILE,
      line: configLineOf(input.config, ["site", "logo", "src"]),
      field: "site.logo.src",
      rule: "logo-taken",
      severity: "error",
      message: t("logo-taken", { value: input.config.site.logo?.src ?? file }),
    });
  }
  const emails = await input.emails;
  for (const issue of issues) {
    const made = emails.get(issue.slug);
    if (!made) continue;
    const file = `${issue.slug}/email.html`;
    if (!memo) {
      // By the email's key in the disk cache (its texts need not be read), else its text.
      const from = made.key ? ["key", made.key] : ["html", made.email.html];
      files.set(
        file,
        keepText("web", from, () => webEmail(made.email.html, config, templates)) ?? "",
      );
      continue;
    }
    const email = made.email.html;
    const known = memo.webEmails.get(issue.slug);
    const web = known?.email === email ? known.web : webEmail(email, config, templates);
    memo.webEmails.set(issue.slug, { email, web });
    files.set(file, web);
  }
  return { files, diagnostics };
}

/**
 * The email's view model, plus what the web page adds: anchors and calendar links. On a web
 * page (`relative`), the issue's images and files keep relative addresses, so that the
 * archive shows them wherever it is opened; in feeds, everything is absolute.
 */
function issueModel(
  issue: Issue,
  config: Config,
  /** The calendar entries of this issue only. */
  own: readonly Entry[],
  root: string,
  relative: boolean,
) {
  const model = viewModel(issue, config);
  const local = (image: { src: string; alt: string } | undefined) =>
    image && relative ? { ...image, src: image.src.replace(model.issue.url, "") } : image;
  const calendar = (section: number, item?: number) => {
    const entry = own.filter((e) => e.section === section)[item ?? 0];
    return entry?.file ? entryView(entry, root).calendar : undefined;
  };
  const sections = model.issue.sections.map((section, index) => ({
    ...section,
    ...(section.image ? { image: local(section.image as { src: string; alt: string }) } : {}),
    anchor: `section-${index + 1}`,
    calendar: calendar(index),
    ...(Array.isArray(section.items)
      ? {
          items: section.items.map((item: object, j: number) => ({
            ...item,
            calendar: calendar(index, j),
          })),
        }
      : {}),
  }));
  return {
    ...model,
    /** Absolute, for Open Graph and Twitter cards. */
    shareImage: model.issue.image,
    ...(relative ? { markdownBase: undefined } : {}),
    issue: { ...model.issue, image: local(model.issue.image), sections },
  };
}

/**
 * The email as published on the web: no reader to unsubscribe, so a mailto instead; no
 * subscriber, so each placeholder gets its fallback, filled where and as the send fills it.
 */
function webEmail(html: string, config: Config, templates: TemplateSet): string {
  const subject = templates.labels[config.lang]?.unsubscribe ?? "unsubscribe";
  const mailto = `mailto:${config.sender.address}?subject=${encodeURIComponent(subject)}`;
  return fillHtml(html, mailto);
}
