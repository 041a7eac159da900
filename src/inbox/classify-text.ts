/**
 * Bounces that carry no RFC 3464 delivery-status part: the plain-text reports of qmail,
 * Exim, older Sendmail, Exchange 5.5/2003, Lotus Notes/Domino, GroupWise, Yahoo, Gmail, GMX,
 * IMail… Read by heuristics: cut the returned copy of the original off, find the failed
 * addresses after the sentence that introduces them, and decide permanent or temporary from
 * the codes and words of the report.
 */
import { addressesIn, enhancedCodes, isPermanentCode, smtpCodes } from "./classify-fields.ts";

/**
 * Where the report ends and the returned copy of the original message begins (qmail, Exim,
 * Yahoo, Gmail, GMX/1&1, Exchange, Notes, IMail, …). The copy holds our own addresses and
 * Message-ID: it is read for the Message-ID only.
 */
const RETURNED_COPY = [
  /^-+ ?Below this line is a copy of the message/im,
  /^-+ ?This is a copy of the message/im,
  /^-+ ?The header of the original message is following/im,
  /^-+ ?Original message/im,
  /^-+ ?Returned Message/im,
  /^-+ ?(?:Undelivered|Undeliverable) message/im,
  /^-+ ?The following is a copy of the message/im,
  /^Original message (?:headers|follows)/im,
  /^-+ ?Original message follows/im,
  /^bounced e-?mail:/im,
  // Quoted headers of the original without a marker: two header lines in a row.
  /^(?:Return-Path|Received|Date|From|To|Subject|Message-ID):[^\n]*\n(?:[ \t][^\n]*\n)*(?:Return-Path|Received|Date|From|To|Subject|Message-ID|MIME-Version|Content-Type):/im,
];

/** A sentence after which a report lists the failed addresses. */
const FAILED_LIST_INTRO = [
  /following (?:recipients?|addresses|address(?:\(es\))?|recipient\(s\)|destination addresses)/i,
  /did not reach the following/i,
  /(?:was|were|could) not (?:be )?delivered to/i,
  /delivery to the following recipients? failed/i,
  /delivery has failed to (?:these|the following) recipients/i,
  /failed to these recipients/i,
  /unable to deliver (?:your )?message to/i,
  /The following message to/i,
  /Your message to /,
  /(?:unknown|invalid) (?:user|recipient)s?:/i,
  /target mail address:/i,
];

/** Words that make a report without an enhanced status code a temporary failure. */
const MAILBOX_FULL =
  /over ?quota|quota exceeded|exceed\w* (?:\w+ ){0,2}(?:quota|storage)|mail ?(?:box|folder) (?:is )?full|insufficient (?:disk )?(?:space|storage)|disk quota/i;
const TEMPORARY_WORDS =
  /\bdelayed\b|still (?:being )?(?:retried|trying)|will (?:continue|retry|try again|be retried)|temporar(?:y|ily)|try again later|\bdeferred\b|has not yet been delivered|persistent transient/i;
const PERMANENT_WORDS =
  /permanent(?:ly)? (?:error|failure|fatal)|failed permanently|fatal errors?|I've given up|will not try to redeliver|not going to try again/i;

/** The report part of a plain-text bounce: everything before the returned copy. */
export function reportPart(text: string): { report: string; returned: string } {
  let cut = text.length;
  for (const marker of RETURNED_COPY) {
    const at = text.search(marker);
    if (at >= 0 && at < cut) cut = at;
  }
  return { report: text.slice(0, cut), returned: text.slice(cut) };
}

/**
 * The failed addresses named by the report: those after the first sentence that introduces
 * them when there is one (the text before it names the original recipient list, "To: …"),
 * else every address of the report. `exclude` removes our own and the system's addresses.
 */
export function failedAddresses(report: string, exclude: (address: string) => boolean): string[] {
  let start = -1;
  for (const intro of FAILED_LIST_INTRO) {
    const at = report.search(intro);
    if (at >= 0 && (start < 0 || at < start)) start = at;
  }
  const afterIntro =
    start >= 0 ? addressesIn(report.slice(start)).filter((address) => !exclude(address)) : [];
  if (afterIntro.length > 0) return afterIntro;
  return addressesIn(report).filter((address) => !exclude(address));
}

export interface TextVerdict {
  permanent: boolean;
  status?: string;
}

/**
 * Permanent or temporary, for a report without a delivery-status part. In this order:
 * 1. an enhanced status code (`5.1.1` permanent, `4.2.2` temporary) decides;
 * 2. else a full mailbox / exceeded quota is temporary (it may be emptied);
 * 3. else a basic SMTP code (`550`, `452`) decides;
 * 4. else the words of the report ("permanent error", "will retry", "delayed");
 * 5. else permanent: a report of non-delivery that promises no retry is final.
 */
export function textVerdict(report: string): TextVerdict {
  const enhanced = enhancedCodes(report)[0];
  if (enhanced) return { permanent: isPermanentCode(enhanced), status: enhanced };
  if (MAILBOX_FULL.test(report)) return { permanent: false };
  const smtp = smtpCodes(report)[0];
  if (smtp) return { permanent: isPermanentCode(smtp), status: smtp };
  if (PERMANENT_WORDS.test(report)) return { permanent: true };
  if (TEMPORARY_WORDS.test(report)) return { permanent: false };
  return { permanent: true };
}

/** The diagnostic line of a report: the first line with a failure code or a reason. */
export function diagnosticLine(report: string): string | undefined {
  const line = report
    .split(/\r?\n/)
    .map((text) => text.trim())
    .find(
      (text) =>
        enhancedCodes(text).length > 0 ||
        smtpCodes(text).length > 0 ||
        /unknown|not (?:found|listed|recognized)|quota|full|rejected|denied/i.test(text),
    );
  return line ? line.slice(0, 500) : undefined;
}
