/**
 * Every dated thing of every issue (events, datathons, agenda items) as calendar entries:
 * `events.ics` with all of them, one `.ics` per entry for "add to calendar" links, and the
 * upcoming / past split of the events page. All-day events: iCalendar's end is exclusive.
 */
import ical from "ical-generator";
import type { Config } from "../config/index.ts";
import type { Issue } from "../content/index.ts";
import { stripInvalidChars } from "../core/chars.ts";
import { typography } from "../render/typography.ts";
import { from, plainText } from "./model.ts";

export interface Entry {
  /** Stable across rebuilds: the issue's slug and the section's (and item's) position. */
  uid: string;
  kind: "event" | "datathon" | "agenda";
  title: string;
  start: string;
  end?: string | undefined;
  time?: string | undefined;
  location?: string | undefined;
  organizer?: string | undefined;
  description: string;
  url?: string | undefined;
  issue: Issue;
  section: number;
  /** Archive path of its own .ics file; none for an agenda item known only by its month. */
  file?: string | undefined;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

const memo = new WeakMap<Issue, { host: string; entries: Entry[] }>();

export function calendarEntries(issues: readonly Issue[], config: Config): Entry[] {
  const host = new URL(config.site.url).host;
  const entries: Entry[] = [];
  for (const issue of issues) {
    const known = memo.get(issue);
    if (known?.host === host) {
      entries.push(...known.entries);
      continue;
    }
    const own = issueEntries(issue, host);
    memo.set(issue, { host, entries: own });
    entries.push(...own);
  }
  return entries.sort((a, b) => a.start.localeCompare(b.start) || a.uid.localeCompare(b.uid));
}

function issueEntries(issue: Issue, host: string): Entry[] {
  const entries: Entry[] = [];
  const lang = issue.lang;
  const text = (value: string | undefined) => value && typography(value, lang);
  issue.data.sections.forEach((section, index) => {
    const id = `${issue.slug}-${index + 1}`;
    const common = { issue, section: index };
    if (section.type === "event" || section.type === "datathon") {
      const start = section.type === "event" ? section.date : section.start;
      entries.push({
        ...common,
        uid: `${id}@${host}`,
        kind: section.type,
        title: typography(section.title, lang),
        start,
        end: section.end,
        time: section.type === "event" ? text(section.time) : undefined,
        location: section.type === "event" ? text(section.location) : undefined,
        organizer: section.type === "event" ? text(section.organizer) : undefined,
        description: plainText(section.body, lang),
        url: section.url,
        file: `${issue.slug}/calendar/${index + 1}.ics`,
      });
    }
    if (section.type === "agenda") {
      section.items.forEach((item, j) => {
        const dated = DAY.test(item.date);
        entries.push({
          ...common,
          uid: `${id}-${j + 1}@${host}`,
          kind: "agenda",
          title: typography(item.title, lang),
          start: item.date,
          location: text(item.location),
          description: plainText(item.body, lang),
          url: item.url,
          file: dated ? `${issue.slug}/calendar/${index + 1}-${j + 1}.ics` : undefined,
        });
      });
    }
  });
  return entries;
}

function utc(iso: string, addDays = 0): Date {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + addDays));
}

/**
 * A TEXT value as RFC 5545 (3.3.11) writes it: backslash, `;` and `,` escaped with a
 * backslash, a line break as backslash-n.
 * ical-generator does it for an event's fields, not for the calendar's name (NAME,
 * X-WR-CALNAME) nor its PRODID: done here for those.
 */
function escapeText(value: string): string {
  return value.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r\n?|\n/g, "\\n");
}

/** An iCalendar file of `entries` (those with a day: month-only items cannot be placed). */
export function icsOf(entries: readonly Entry[], config: Config): string {
  // iCalendar text may hold no control character (RFC 5545, 3.3.11): none gets through.
  const text = stripInvalidChars;
  const calendar = ical({
    name: escapeText(text(config.site.name)),
    prodId: { company: "lettre", product: escapeText(text(config.site.name)) },
  });
  for (const entry of entries) {
    if (!DAY.test(entry.start)) continue;
    const page = `${config.site.url}/${entry.issue.slug}/#section-${entry.section + 1}`;
    const details = [entry.time, entry.organizer, entry.description].filter(Boolean).join("\n\n");
    calendar.createEvent({
      id: entry.uid,
      start: utc(entry.start),
      end: utc(entry.end && DAY.test(entry.end) ? entry.end : entry.start, 1),
      allDay: true,
      stamp: utc(entry.issue.data.date),
      summary: text(entry.title),
      location: entry.location ? text(entry.location) : null,
      description: details ? text(details) : null,
      url: entry.url ?? page,
    });
  }
  // RFC 5545: every line, the last one too, ends with CRLF.
  return `${calendar.toString()}\r\n`;
}

/**
 * One calendar of every event, from the calendars of each (`icsOf([entry])`, kept between
 * rebuilds): their VEVENT blocks, in start order, in one VCALENDAR.
 */
export function joinCalendars(calendars: readonly string[], config: Config): string {
  const events = calendars
    .flatMap((ics) => [...ics.matchAll(/BEGIN:VEVENT\r\n[\s\S]*?END:VEVENT\r\n/g)].map((m) => m[0]))
    .map((block) => ({
      block,
      start: /DTSTART[^:]*:(\d+)/.exec(block)?.[1] ?? "",
      uid: /UID:(.*)/.exec(block)?.[1] ?? "",
    }))
    .sort((a, b) => a.start.localeCompare(b.start) || a.uid.localeCompare(b.uid))
    .map((event) => event.block);
  const empty = icsOf([], config);
  return empty.replace(/END:VCALENDAR\r\n$/, () => `${events.join("")}END:VCALENDAR\r\n`);
}

/** A Google Calendar "add event" address, for readers without a calendar application. */
export function googleCalendarUrl(entry: Entry): string {
  const day = (iso: string) => iso.replace(/-/g, "");
  const end = utc(entry.end ?? entry.start, 1)
    .toISOString()
    .slice(0, 10);
  const params = new URLSearchParams({
    action: "TEMPLATE",
    text: entry.title,
    dates: `${day(entry.start)}/${day(end)}`,
    details: entry.description,
    ...(entry.location ? { location: entry.location } : {}),
  });
  return `https://calendar.google.com/calendar/render?${params}`;
}

/** What a page shows of an entry; links relative to the page at `root`. */
/** Views of the entries of `lettre dev`'s unchanged issues, kept between rebuilds. */
const views = new WeakMap<Entry, { root: string; view: ReturnType<typeof makeView> }>();

export function entryView(entry: Entry, root: string): ReturnType<typeof makeView> {
  const known = views.get(entry);
  if (known?.root === root) return known.view;
  const view = makeView(entry, root);
  views.set(entry, { root, view });
  return view;
}

function makeView(entry: Entry, root: string) {
  return {
    kind: entry.kind,
    title: entry.title,
    start: entry.start,
    end: entry.end,
    time: entry.time,
    location: entry.location,
    organizer: entry.organizer,
    url: entry.url,
    from: from(entry.issue, entry.section, root),
    calendar: entry.file && { ics: `${root}${entry.file}`, google: googleCalendarUrl(entry) },
  };
}

/** Upcoming (soonest first) and past (latest first), as of `today` (YYYY-MM-DD). */
export function splitByDate(entries: readonly Entry[], today: string) {
  const last = (e: Entry) => e.end ?? e.start;
  // A month-only item stays upcoming until that month is over.
  const isPast = (e: Entry) => last(e) < today.slice(0, last(e).length);
  return {
    upcoming: entries.filter((e) => !isPast(e)),
    past: entries.filter(isPast).reverse(),
  };
}
