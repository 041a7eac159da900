/**
 * The editors' contract (DESIGN.md, "The issue file"): one schema for the issue's front
 * matter and one per section type. A new section type = a schema here + its partials.
 */
import { z } from "zod";
import { count, dateOrMonth, image, isoDate, locale, text, url } from "../core/fields.ts";
import { t } from "../core/i18n.ts";

/** Markdown text (GFM). */
const markdown = () => z.string();

/**
 * Pairs of fields where the second must not be before the first. Checked on the raw data
 * (see `checkDateOrder`) so the error shows even when other fields of the section are wrong.
 */
export const DATE_ORDER: Record<string, [start: string, end: string]> = {
  event: ["date", "end"],
  datathon: ["start", "end"],
  "eu-project": ["start", "end"],
};

const countOrList = (key: "countries-type" | "partners-type") =>
  z.union([count(), z.array(text()).min(1)], { error: () => t(key) });

export const sectionSchemas = {
  event: z.strictObject({
    type: z.literal("event"),
    title: text(),
    date: isoDate(),
    end: isoDate().optional(),
    time: text().optional(),
    location: text().optional(),
    organizer: text().optional(),
    attendees: count().optional(),
    url: url().optional(),
    body: markdown().optional(),
  }),
  datathon: z.strictObject({
    type: z.literal("datathon"),
    title: text(),
    theme: text(),
    start: isoDate(),
    end: isoDate(),
    edition: z.union([count(), text()], { error: () => t("number-or-text") }).optional(),
    teams: count().optional(),
    winner: z
      .strictObject({ name: text(), body: markdown().optional(), url: url().optional() })
      .optional(),
    url: url().optional(),
    body: markdown().optional(),
  }),
  "eu-project": z.strictObject({
    type: z.literal("eu-project"),
    name: text(),
    programme: text(),
    partners: countOrList("partners-type").optional(),
    countries: countOrList("countries-type").optional(),
    start: dateOrMonth().optional(),
    end: dateOrMonth().optional(),
    duration: text().optional(),
    role: text().optional(),
    url: url().optional(),
    body: markdown().optional(),
  }),
  agenda: z.strictObject({
    type: z.literal("agenda"),
    title: text().optional(),
    items: z
      .array(
        z.strictObject({
          date: dateOrMonth(),
          title: text(),
          location: text().optional(),
          url: url().optional(),
          body: markdown().optional(),
        }),
      )
      .min(1),
  }),
  article: z.strictObject({
    type: z.literal("article"),
    title: text(),
    body: markdown(),
    image: image().optional(),
    url: url().optional(),
  }),
} as const;

export type SectionType = keyof typeof sectionSchemas;
export const SECTION_TYPES = Object.keys(sectionSchemas) as SectionType[];
export type Section = { [K in SectionType]: z.output<(typeof sectionSchemas)[K]> }[SectionType];

export const frontMatterSchema = z.strictObject({
  title: text(),
  date: isoDate(),
  number: count().optional(),
  preheader: text().optional(),
  lang: locale().optional(),
  tags: z.array(text()).optional(),
  draft: z.boolean().optional(),
  image: image().optional(),
  /** Each section is validated by its own type's schema (see `validateSections`). */
  /** `sections:` with every entry commented out is an empty list, not an error. */
  sections: z.array(z.unknown()).nullable().optional(),
});

export type FrontMatter = Omit<z.output<typeof frontMatterSchema>, "sections"> & {
  sections: Section[];
};

/** Inbox preview text past this many characters gets a warning. */
export const PREHEADER_MAX = 150;
