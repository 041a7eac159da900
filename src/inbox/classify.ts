/**
 * `lettre inbox classify`: what a message that came back to the sender is.
 *
 * - `complaint`: an RFC 5965 ARF feedback report (`multipart/report;
 *   report-type=feedback-report`), or a Microsoft JMRP report (attached original with
 *   X-HmXmrOriginalRecipient); recipients from Original-Rcpt-To / X-HmXmrOriginalRecipient,
 *   else the To of the attached original. `not-spam` and RFC 6591 `auth-failure` reports
 *   are not complaints (`other`).
 * - `bounce`: an RFC 3464 delivery-status report (per recipient: Final-Recipient /
 *   Original-Recipient, Action, Status), or a plain-text report of a mail system that sends
 *   none (qmail, Exim, Exchange, Notes, Yahoo, Gmail…) read by heuristics
 *   (`classify-text.ts`). Permanent when the status is 5.x.x, temporary when 4.x.x or the
 *   Action is `delayed`. Without any enhanced status code, a full mailbox / exceeded quota is
 *   temporary, then a basic SMTP code decides, then the words of the report, then permanent.
 *   A report whose recipients failed in both ways is not `permanent`; `perRecipient` says who
 *   failed how.
 * - `auto-reply`: RFC 3834 Auto-Submitted, X-Autoreply, X-Autorespond, Precedence: auto_reply
 *   or an out-of-office subject, without the marks of a bounce. Never a bounce.
 * - `unsubscribe`: subject or first body line `unsubscribe <token>` (the mailto link of
 *   `unsubscribeLinks`), or a plain "unsubscribe" / "désabonner"; recipients = the From.
 * - `other`: anything else.
 *
 * Recipients are lowercased, deduplicated, and never our own sender (the bounce's To, the
 * original's From) nor a postmaster / MAILER-DAEMON address. Message-IDs of the original come
 * from the returned headers (message/rfc822, text/rfc822-headers, quoted headers) and the
 * In-Reply-To / References of the report, so that the journal row is found by them first.
 */
import { readFile, stat } from "node:fs/promises";
import { type Attachment, type ParsedMail, simpleParser } from "mailparser";
import { kilobytes, t } from "../core/i18n.ts";
import {
  addressesIn,
  type Field,
  fieldValues,
  firstAddress,
  isPermanentCode,
  isSystemAddress,
  messageIdsIn,
  parseFields,
  quotedMessageIds,
  rawReturnedHeaders,
  statusBlocks,
  unique,
} from "./classify-fields.ts";
import { diagnosticLine, failedAddresses, reportPart, textVerdict } from "./classify-text.ts";
import type { RecipientFailure, Report } from "./report.ts";

/** Larger inputs are refused: no returned message is anywhere near this size. */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** A classified message. `perRecipient` is set for RFC 3464 bounces only. */
export type Classified = Report;

/** The parts and header fields of a parsed message that the classifier reads. */
interface Message {
  parsed: ParsedMail;
  header: Field[];
  subject: string;
  from: string | undefined;
  text: string;
  deliveryStatus: string[];
  feedbackReports: string[];
  /** Header blocks of the returned original (message/rfc822, text/rfc822-headers…). */
  returnedHeaders: Field[][];
  /** Our own addresses and the system's: never a recipient of a bounce. */
  own: Set<string>;
}

const DELIVERY_STATUS = new Set(["message/delivery-status", "message/global-delivery-status"]);
const RETURNED = new Set([
  "message/rfc822",
  "message/global",
  "text/rfc822-headers",
  "message/rfc822-headers",
  "message/global-headers",
]);

/** A sender that is the mail system itself. */
const DAEMON_SENDER = /^(mailer-daemon|mail-daemon|mailerdaemon|postmaster|mdaemon)@/i;
const DAEMON_NAME = /mail delivery (system|subsystem)|mailer-daemon|postmaster/i;

/** Subjects of delivery reports (English and a few other languages). */
const BOUNCE_SUBJECT =
  /undeliver|undelivered|returned mail|bounce notification|returning message|delivery (status notification|failure|failed|report|notification|problem)|failure (notice|delivery)|delivery failure|mail delivery failed|non[- ]?delivery|could not be delivered|not delivered|mail system error|delayed mail|message delayed|message [^ ]+ delayed|warning: could not send|nicht zustellbar|unzustellbar|non remis|non distribuable|échec de (la )?remise/i;

/** A report's subject: a bounce subject that is not a reply to one or a forward of one. */
function reportSubject(subject: string): boolean {
  return BOUNCE_SUBJECT.test(subject) && !/^\s*(re|fwd?|tr|aw|wg|sv|vs)\s*:/i.test(subject);
}

/** An SMTP failure (4xx, 5xx) or an enhanced status code of a failure, in a report's text. */
const FAILURE_CODE =
  /\b(?:[45]\d\d[ -]|[45]\.\d{1,3}\.\d{1,3}\b)|user unknown|no such user|unknown user|mailbox (?:unavailable|full|not found)|does not exist|quota exceeded/i;

/** Subjects of auto-replies: out of office, vacation, absence… */
const AUTO_REPLY_SUBJECT =
  /out of (the )?office|auto(matic|matische)?[ -]?(reply|response|antwort|answer)|autoreply|auto-reply|autoresponder|r[ée]ponse automatique|abwesenheit|abwesend|absence|absent du bureau|on vacation|vacation (reply|message)|away from (the )?office|respuesta autom[áa]tica|risposta automatica|automatisch antwoord|autosvar/i;

/**
 * Feedback types of ARF reports that are not complaints: `not-spam`, and RFC 6591
 * `auth-failure` (a DMARC/DKIM/SPF failure report about our own domain, not a reader's wish).
 */
const NOT_A_COMPLAINT = /^(not-spam|auth-failure)$/i;

/**
 * Microsoft's JMRP feedback loop (Outlook.com / Hotmail) sends no feedback-report part: a
 * multipart/mixed message whose attached original carries this field, naming the reader.
 */
const JMRP_RECIPIENT = "x-hmxmroriginalrecipient";

/** Classify one raw message (RFC 5322 bytes). Throws a RangeError past MAX_MESSAGE_BYTES. */
export async function classifyMessage(
  raw: Buffer,
  /** The project's own addresses (sender, mailto): never a failed recipient. */
  ownAddresses: readonly string[] = [],
): Promise<Classified> {
  if (raw.length > MAX_MESSAGE_BYTES) {
    throw new RangeError(`message too large: ${raw.length} bytes (at most ${MAX_MESSAGE_BYTES})`);
  }
  const message = await readMessage(raw);
  // A header over mailparser's limit (1 MB) is not read at all: nothing to go by.
  if (!message.parsed.headers) return other();
  for (const address of ownAddresses) message.own.add(address.toLowerCase());
  return (
    complaint(message) ??
    deliveryStatusBounce(message) ??
    autoReply(message) ??
    textBounce(message) ??
    unsubscribe(message) ??
    other()
  );
}

/**
 * Classify files: one result per path, in order. A file that cannot be read, is too large or
 * cannot be parsed gives an `error` string; this never throws.
 */
export async function classifyFiles(
  paths: string[],
): Promise<Array<{ file: string; report?: Classified; error?: string }>> {
  const results: Array<{ file: string; report?: Classified; error?: string }> = [];
  for (const file of paths) {
    try {
      const info = await stat(file);
      if (!info.isFile()) {
        results.push({ file, error: t("inbox-file-not-file") });
      } else if (info.size > MAX_MESSAGE_BYTES) {
        results.push({ file, error: t("inbox-file-too-large", { size: kilobytes(info.size) }) });
      } else {
        results.push({ file, report: await classifyMessage(await readFile(file)) });
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException)?.code;
      const error_ =
        code === "ENOENT"
          ? t("inbox-file-missing")
          : code === "EACCES" || code === "EPERM"
            ? t("inbox-file-denied")
            : t("inbox-file-unreadable", { detail: String((error as Error)?.message ?? error) });
      results.push({ file, error: error_ });
    }
  }
  return results;
}

async function readMessage(raw: Buffer): Promise<Message> {
  const parsed = await simpleParser(raw, {
    keepDeliveryStatus: true,
    skipImageLinks: true,
    skipTextToHtml: true,
    maxHtmlLengthToParse: 2 * 1024 * 1024,
  });
  // mailparser gives no header lines for a header over its limit (1 MB): then none is read.
  const header = (parsed.headerLines ?? []).flatMap((line) => parseFields(line.line));
  const attachments = parsed.attachments;
  const returnedHeaders = [
    ...attachments
      .filter((part) => RETURNED.has(part.contentType.toLowerCase()))
      .map((part) => parseFields(decode(part))),
    ...rawReturnedHeaders(raw.toString("latin1")),
  ];
  const message: Message = {
    parsed,
    header,
    subject: parsed.subject ?? "",
    from: parsed.from?.value[0]?.address?.toLowerCase(),
    text: parsed.text ?? "",
    deliveryStatus: partsOf(attachments, DELIVERY_STATUS),
    feedbackReports: partsOf(attachments, new Set(["message/feedback-report"])),
    returnedHeaders,
    own: new Set(),
  };
  message.own = ownAddresses(message);
  return message;
}

function partsOf(attachments: Attachment[], types: Set<string>): string[] {
  return attachments.filter((part) => types.has(part.contentType.toLowerCase())).map(decode);
}

function decode(part: Attachment): string {
  return part.content.toString("utf8");
}

/** The values of a header field of the message itself. */
function headerValues(message: Message, name: string): string[] {
  return fieldValues(message.header, name);
}

/**
 * Our own addresses: those the report was sent to (To, Delivered-To, X-Original-To,
 * Envelope-To, Return-Path) and the sender of the returned original (From, Sender,
 * Return-Path). None of them is a failed recipient.
 */
function ownAddresses(message: Message): Set<string> {
  const fields = ["to", "delivered-to", "x-original-to", "envelope-to", "return-path"];
  const own = fields.flatMap((name) => headerValues(message, name).flatMap(addressesIn));
  for (const returned of message.returnedHeaders) {
    for (const name of ["from", "sender", "return-path"]) {
      own.push(...fieldValues(returned, name).flatMap(addressesIn));
    }
  }
  if (message.from) own.push(message.from);
  return new Set(own);
}

function isOwnOrSystem(message: Message, address: string): boolean {
  return message.own.has(address) || isSystemAddress(address);
}

/** Message-IDs of the original: returned headers, quoted headers, In-Reply-To, References. */
function originalMessageIds(message: Message, quotedText = ""): string[] {
  const own = messageIdsIn(headerValues(message, "message-id").join(" "));
  const ids = [
    ...message.returnedHeaders.flatMap((fields) =>
      messageIdsIn(fieldValues(fields, "message-id").join(" ")),
    ),
    ...quotedMessageIds(quotedText),
    ...messageIdsIn(headerValues(message, "in-reply-to").join(" ")),
    ...messageIdsIn(headerValues(message, "references").join(" ")),
  ];
  return unique(ids).filter((id) => !own.includes(id));
}

// --- complaints (RFC 5965) ---------------------------------------------------------------

function isFeedbackReport(message: Message): boolean {
  const type = message.parsed.headers.get("content-type");
  const reportType =
    typeof type === "object" && type !== null && "params" in type
      ? String((type.params as Record<string, string>)["report-type"] ?? "")
      : "";
  return (
    message.feedbackReports.length > 0 ||
    /feedback-report/i.test(reportType) ||
    message.returnedHeaders.some((original) => fieldValues(original, JMRP_RECIPIENT).length > 0)
  );
}

function complaint(message: Message): Classified | undefined {
  if (!isFeedbackReport(message)) return undefined;
  const fields = message.feedbackReports.flatMap((report) => parseFields(report, false));
  const feedbackType = fieldValues(fields, "feedback-type")[0] ?? "";
  if (NOT_A_COMPLAINT.test(feedbackType)) return other();
  const reported = [
    ...fieldValues(fields, "original-rcpt-to"),
    ...fieldValues(fields, "removal-recipient"),
    ...message.returnedHeaders.flatMap((original) => fieldValues(original, JMRP_RECIPIENT)),
  ].flatMap(addressesIn);
  const attachedTo = message.returnedHeaders.flatMap((original) =>
    fieldValues(original, "to").flatMap(addressesIn),
  );
  const recipients = unique(reported.length > 0 ? reported : attachedTo).filter(
    (address) => !isSystemAddress(address),
  );
  return {
    kind: "complaint",
    permanent: false,
    recipients,
    messageIds: originalMessageIds(message, message.text),
    ...(feedbackType ? { diagnostic: `Feedback-Type: ${feedbackType}` } : {}),
  };
}

// --- bounces with a delivery-status part (RFC 3464) -------------------------------------

/** The address of a `rfc822; user@example.com` recipient field. */
function recipientAddress(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return firstAddress(value.replace(/^\s*[\w-]+\s*;/, ""));
}

function recipientFailure(block: Map<string, string>): RecipientFailure | undefined {
  const address =
    recipientAddress(block.get("original-recipient")) ??
    recipientAddress(block.get("final-recipient"));
  if (!address) return undefined;
  const action = (block.get("action") ?? "failed").toLowerCase();
  if (/^(delivered|relayed|expanded)/.test(action)) return undefined;
  const diagnostic = block.get("diagnostic-code")?.replace(/^\s*[\w-]+\s*;\s*/, "");
  const status =
    /([245]\.\d{1,3}\.\d{1,3})/.exec(block.get("status") ?? "")?.[1] ??
    /\b([45]\.\d{1,3}\.\d{1,3})\b/.exec(diagnostic ?? "")?.[1];
  const permanent = !action.startsWith("delayed") && (status ? isPermanentCode(status) : true);
  return {
    address,
    permanent,
    ...(action.startsWith("delayed") ? { delayed: true } : {}),
    ...(status ? { status } : {}),
    ...(diagnostic ? { diagnostic: diagnostic.slice(0, 500) } : {}),
  };
}

function deliveryStatusBounce(message: Message): Classified | undefined {
  if (message.deliveryStatus.length === 0) return undefined;
  const failures = message.deliveryStatus
    .flatMap((report) => statusBlocks(report))
    .map(recipientFailure)
    .filter((failure): failure is RecipientFailure => failure !== undefined)
    .filter((failure) => !isOwnOrSystem(message, failure.address));
  const byAddress = new Map<string, RecipientFailure>();
  for (const failure of failures) {
    if (!byAddress.has(failure.address)) byAddress.set(failure.address, failure);
  }
  const perRecipient = [...byAddress.values()];
  // Only successes (Action: delivered / relayed): a delivery receipt, not a bounce.
  if (perRecipient.length === 0) return other();
  const first = perRecipient.find((failure) => failure.permanent) ?? perRecipient[0];
  return {
    kind: "bounce",
    permanent: perRecipient.every((failure) => failure.permanent),
    recipients: perRecipient.map((failure) => failure.address),
    messageIds: originalMessageIds(message, reportPart(message.text).returned),
    ...(first?.status ? { status: first.status } : {}),
    ...(first?.diagnostic ? { diagnostic: first.diagnostic } : {}),
    perRecipient,
  };
}

// --- auto-replies (RFC 3834) ------------------------------------------------------------

/**
 * The marks of a delivery report, whatever other headers say (Postfix and Exim set
 * Auto-Submitted on their reports): X-Failed-Recipients, a MAILER-DAEMON / postmaster sender
 * (no person's out-of-office comes from there), or a "Mail Delivery System" sender with a
 * delivery-report subject.
 */
function looksLikeDeliveryReport(message: Message): boolean {
  const fromName = message.parsed.from?.value[0]?.name ?? "";
  return (
    headerValues(message, "x-failed-recipients").length > 0 ||
    DAEMON_SENDER.test(message.from ?? "") ||
    (DAEMON_NAME.test(fromName) && BOUNCE_SUBJECT.test(message.subject))
  );
}

function autoReplyHeader(message: Message): boolean {
  const autoSubmitted = headerValues(message, "auto-submitted").some(
    (value) => !/^\s*no\b/i.test(value),
  );
  const precedence = [
    ...headerValues(message, "precedence"),
    ...headerValues(message, "x-precedence"),
  ].some((value) => /auto[_-]?reply/i.test(value));
  const flagged = ["x-autoreply", "x-autorespond", "x-autoresponder", "x-vacation"].some(
    (name) => headerValues(message, name).length > 0,
  );
  const autogenerated = headerValues(message, "x-autogenerated").some((value) =>
    /reply/i.test(value),
  );
  return autoSubmitted || precedence || flagged || autogenerated;
}

function autoReply(message: Message): Classified | undefined {
  if (looksLikeDeliveryReport(message)) return undefined;
  if (!autoReplyHeader(message) && !AUTO_REPLY_SUBJECT.test(message.subject)) return undefined;
  return {
    kind: "auto-reply",
    permanent: false,
    recipients: message.from && !isSystemAddress(message.from) ? [message.from] : [],
    messageIds: messageIdsIn(headerValues(message, "in-reply-to").join(" ")),
  };
}

// --- bounces without a delivery-status part (heuristics) --------------------------------

function textBounce(message: Message): Classified | undefined {
  const fromName = message.parsed.from?.value[0]?.name ?? "";
  const daemon = DAEMON_SENDER.test(message.from ?? "") || DAEMON_NAME.test(fromName);
  const failedHeader = headerValues(message, "x-failed-recipients").flatMap(addressesIn);
  if (failedHeader.length === 0 && !daemon && !reportSubject(message.subject)) return undefined;
  const { report, returned } = reportPart(message.text);
  // Only the subject says so (a person's mail, not a mail system's): the text must read as a
  // report too, with a failure code in it, or a reader asking about "undelivered" mail and
  // naming an address would be taken for a bounce of it.
  if (failedHeader.length === 0 && !daemon && !FAILURE_CODE.test(report)) return undefined;
  const exclude = (address: string) => isOwnOrSystem(message, address);
  const recipients = unique(
    failedHeader.length > 0
      ? failedHeader.filter((a) => !exclude(a))
      : failedAddresses(report, exclude),
  );
  if (recipients.length === 0) return undefined;
  const verdict = textVerdict(report);
  const diagnostic = diagnosticLine(report);
  return {
    kind: "bounce",
    permanent: verdict.permanent,
    recipients,
    messageIds: originalMessageIds(message, returned),
    ...(verdict.status ? { status: verdict.status } : {}),
    ...(diagnostic ? { diagnostic } : {}),
  };
}

// --- unsubscribe requests ---------------------------------------------------------------

const UNSUBSCRIBE_WORD =
  /\b(?:unsubscribe|d[ée]sabonner|d[ée]sinscri(?:re|ption)|d[ée]sabonnement)\b/i;
const PLAIN_UNSUBSCRIBE =
  /^(?:(?:re|fwd?|tr)\s*:\s*)*(?:please\s+|merci de (?:me )?)?(?:unsubscribe|se\s+d[ée]sabonner|d[ée]sabonner|d[ée]sabonnez[- ]moi|d[ée]sinscri(?:re|ption)|d[ée]sabonnement)(?:\s+me)?(?:\s+please)?[\s.!]*$/i;

function firstBodyLine(message: Message): string {
  return (
    message.text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .find((line) => line !== "") ?? ""
  );
}

function unsubscribe(message: Message): Classified | undefined {
  const recipients = message.from && !isSystemAddress(message.from) ? [message.from] : [];
  for (const line of [message.subject, firstBodyLine(message)]) {
    if (!UNSUBSCRIBE_WORD.test(line)) continue;
    // The word after "unsubscribe" (the subject of the mailto link), whatever follows it.
    const token = /\bunsubscribe\s+([\w-]{40,})(?![\w-])/i.exec(line)?.[1];
    if (token) return { kind: "unsubscribe", permanent: false, recipients, messageIds: [], token };
    if (PLAIN_UNSUBSCRIBE.test(line.trim())) {
      return { kind: "unsubscribe", permanent: false, recipients, messageIds: [] };
    }
  }
  return undefined;
}

function other(): Classified {
  return { kind: "other", permanent: false, recipients: [], messageIds: [] };
}
