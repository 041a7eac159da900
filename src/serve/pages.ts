/**
 * The pages `lettre serve` answers readers with, rendered by the archive's own templates
 * (`templates/archive/pages/reader.hbs` in the shell of every archive page, the sign-up
 * form partial), in the reader's language, with the words of `templates/labels.yaml`. Every
 * value is escaped by Handlebars.
 */
import { signupForm } from "../archive/model.ts";
import { publicConfig } from "../archive/public.ts";
import type { Config } from "../config/index.ts";
import { SUPPORTED_LOCALES } from "../core/i18n.ts";
import { label } from "../render/helpers.ts";
import type { TemplateSet } from "../render/templates.ts";

/** What one page says and which of its forms it shows (see reader.hbs). */
export interface ReaderPage {
  title: string;
  paragraphs?: string[];
  confirm?: { action: string; lists: string[] };
  unsubscribe?: { action: string };
  /** The sign-up form, with the address filled in and lists ticked. */
  signup?: { address?: string; checked?: readonly string[] };
}

export interface Pages {
  /** A label of templates/labels.yaml in `lang`, filled. */
  say(lang: string, key: string, params?: Record<string, unknown>): string;
  /** `root`: the archive's root relative to the page (`./`, `../`…). */
  render(lang: string, path: string, reader: ReaderPage, root?: string): string;
  /** The reader's language: a supported one asked for, else the config's. */
  langOf(asked: unknown): string;
  /** The consent text the form shows in `lang` (as recorded with each sign-up). */
  consentText(lang: string): string;
  /** A list's title as the form shows it (its name, for a list the form does not offer). */
  listTitle(list: string): string;
}

export function readerPages(config: Config, archive: TemplateSet): Pages {
  const shown = publicConfig(config);
  const form = signupForm(shown);
  const reader = archive.pages.get("reader");
  if (!reader) throw new Error("templates/archive/pages/reader.hbs not loaded");
  const say = (lang: string, key: string, params: Record<string, unknown> = {}) =>
    label(archive.labels, lang, key, params);
  return {
    say,
    render(lang, path, page, root = "./") {
      const signup =
        form && page.signup
          ? {
              ...form,
              ...(page.signup.address ? { address: page.signup.address } : {}),
              lists: form.lists.map((list) => ({
                ...list,
                checked: page.signup?.checked?.includes(list.name) ?? false,
              })),
            }
          : form;
      return reader({
        lang,
        site: shown.site,
        theme: shown.theme,
        sender: shown.sender,
        footer: shown.footer,
        address: shown.address,
        signup,
        page: {
          path: "",
          url: `${shown.site.url}/${path}`,
          root,
          title: page.title,
          description: "",
        },
        reader: { ...page, signup: Boolean(form && page.signup) },
      });
    },
    langOf(asked) {
      return typeof asked === "string" && (SUPPORTED_LOCALES as readonly string[]).includes(asked)
        ? asked
        : config.lang;
    },
    consentText(lang) {
      return config.signup?.consent ?? say(lang, "signupConsent", { site: shown.site.name });
    },
    listTitle(list) {
      return config.signup?.lists.find((l) => l.name === list)?.title ?? list;
    },
  };
}
