/**
 * Small readers shared by the classifier: e-mail addresses, header blocks (RFC 5322 fields
 * unfolded), the status-field blocks of RFC 3464 delivery-status and RFC 5965 feedback
 * reports, Message-IDs, and SMTP / enhanced status codes found in free text.
 */

/**
 * One address: a dot-atom-ish local part (letters of any script: SMTPUTF8) and a domain with
 * at least one dot. Matches start only where a local part can start (the lookbehind), and
 * every repeat is bounded: a long run of such characters without `@` costs one pass, not
 * one per position (hostile input stays linear).
 */
const ADDRESS =
  /(?<![\p{L}\p{N}!#$%&'*+/=?^_`{|}~.-])[\p{L}\p{N}!#$%&'*+/=?^_`{|}~.-]{1,64}@(?:[\p{L}\p{N}-]{1,63}\.){1,8}[\p{L}\p{N}-]{1,63}(?![\p{L}\p{N}-])/gu;

/** Local parts that are never a subscriber: the mail system's own mailboxes. */
const SYSTEM_LOCAL_PARTS =
  /^(mailer-daemon|mailerdaemon|mail-daemon|maildaemon|postmaster|mdaemon|double-bounce)$/i;

/** Every address in `text`, lowercased, in order of appearance (with repeats). */
export function addressesIn(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(ADDRESS)) {
    // A dot may end a sentence ("…user@example.com."): it is not part of the domain.
    const address = match[0]
      .replace(/^[.-]+|[.-]+$/g, "")
      // X.400 and Exchange prefixes: "SMTP=user@example.com", "rfc822=user@…".
      .replace(/^(?:smtp|rfc822)=/i, "")
      .toLowerCase();
    if (address.includes("@") && !address.includes("..")) found.push(address);
  }
  return found;
}

/** The first address in `text`, lowercased, or undefined. */
export function firstAddress(text: string): string | undefined {
  return addressesIn(text)[0];
}

/** True for MAILER-DAEMON@…, postmaster@… and the like. */
export function isSystemAddress(address: string): boolean {
  const local = address.slice(0, address.lastIndexOf("@"));
  return SYSTEM_LOCAL_PARTS.test(local);
}

/** Order-keeping deduplication. */
export function unique<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/** One field of a header or status block: its name lowercased and its unfolded value. */
export interface Field {
  name: string;
  value: string;
}

/**
 * The fields of `text` read as a header block, up to its first empty line when `stopAtBlank`
 * (a message's header), or through every line (a status block). Continuation lines (starting
 * with white space) are unfolded into the field before them; lines that are not fields are
 * skipped.
 */
export function parseFields(text: string, stopAtBlank = true): Field[] {
  const fields: Field[] = [];
  for (const line of text.split(/\r?\n/)) {
    const last = fields.at(-1);
    if (line.trim() === "") {
      if (stopAtBlank && fields.length > 0) break;
      // A block separator (status reports only), dropped by statusBlocks.
      if (!stopAtBlank && last && last.name !== "") fields.push({ name: "", value: "" });
      continue;
    }
    if (/^[ \t]/.test(line) && last && last.name !== "") {
      last.value = `${last.value} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0 || /\s/.test(line.slice(0, colon))) continue;
    fields.push({ name: line.slice(0, colon).toLowerCase(), value: line.slice(colon + 1).trim() });
  }
  return fields;
}

/**
 * The blocks of a status report (RFC 3464 / RFC 5965 / RFC 6533): groups of fields separated
 * by empty lines. Some MTAs forget an empty line between two recipients: a field already
 * present in the current block (a second Final-Recipient) starts a new one.
 */
export function statusBlocks(text: string): Map<string, string>[] {
  const blocks: Map<string, string>[] = [];
  let current = new Map<string, string>();
  const close = () => {
    if (current.size > 0) blocks.push(current);
    current = new Map();
  };
  for (const field of parseFields(text, false)) {
    if (field.name === "") {
      close();
      continue;
    }
    if (current.has(field.name)) close();
    current.set(field.name, field.value);
  }
  close();
  return blocks;
}

/** The content types whose body is the (header of the) returned original message. */
const RETURNED_PART =
  /^Content-Type:[ \t]*(?:message\/(?:rfc822|global|rfc822-headers|global-headers)|text\/rfc822-headers)\b/im;

/**
 * The header blocks of the returned originals, read from the raw message: mailparser renders
 * an inline message/rfc822 part into the text and drops its Message-ID. Such a part is never
 * encoded (RFC 2046 §5.2.1: 7bit, 8bit or binary only), so its header block is the text
 * after the part's own header, up to the first empty line. The Content-Type line must be in
 * a part's header (after a boundary line, no empty line between): the same words in the text
 * of a mail (a reader quoting a report) are not a returned message.
 */
export function rawReturnedHeaders(raw: string): Field[][] {
  const blocks: Field[][] = [];
  const pattern = new RegExp(RETURNED_PART.source, "gim");
  for (const match of raw.matchAll(pattern)) {
    const at = match.index;
    if (!inPartHeader(raw, at)) continue;
    const partHeaderEnd = /\r?\n\r?\n/g;
    partHeaderEnd.lastIndex = at;
    const bodyStart = partHeaderEnd.exec(raw);
    if (!bodyStart) break;
    const from = bodyStart.index + bodyStart[0].length;
    // Only the header block: parseFields must not split the rest of a large message.
    const blank = /\r?\n\r?\n/g;
    blank.lastIndex = from;
    const end = blank.exec(raw);
    const fields = parseFields(raw.slice(from, end ? end.index : raw.length));
    if (fields.length > 0) blocks.push(fields);
  }
  return blocks;
}

/** Whether the line at `at` is in the header of a MIME part: a boundary line above it, and
 * no empty line between (looked for in the 4 KB above: part headers are short). */
function inPartHeader(raw: string, at: number): boolean {
  const above = raw.slice(Math.max(0, at - 4096), at);
  const boundary = above.lastIndexOf("\n--");
  if (boundary < 0) return false;
  return !/\r?\n\r?\n/.test(above.slice(boundary + 1));
}

/** Every value of a (repeatable) field in a list of fields. */
export function fieldValues(fields: Field[], name: string): string[] {
  return fields.filter((field) => field.name === name).map((field) => field.value);
}

/** Message-IDs (`<…@…>`) in a field value such as In-Reply-To or References. */
export function messageIdsIn(value: string): string[] {
  return [...value.matchAll(/<[^<>\s@]+@[^<>\s]+>/g)].map((match) => match[0]);
}

/** The Message-IDs named by `Message-ID:` lines of quoted headers anywhere in `text`. */
export function quotedMessageIds(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/^[ \t>]*Message-ID:[ \t]*(?:\r?\n[ \t]+)?(<[^<>\s]+>)/gim)) {
    if (match[1]) found.push(match[1]);
  }
  return found;
}

/**
 * The enhanced status codes (RFC 3463, `5.1.1`, `4.2.2`) of failures in `text`, in order.
 * A code inside a dotted number (an IP address, a version) does not count.
 */
export function enhancedCodes(text: string): string[] {
  return [...text.matchAll(/(?<![\d.])([45]\.\d{1,3}\.\d{1,3})(?![\d.]*\d)/g)].map(
    (match) => match[1] ?? "",
  );
}

/**
 * The basic SMTP reply codes of failures (`550`, `452`) in `text`: three digits starting with
 * 4 or 5 at the start of a line or after "said:", `<<<`, `#`, a quote, followed by a space or
 * a dash.
 */
export function smtpCodes(text: string): string[] {
  return [...text.matchAll(/(?:^|[\s:(#'"<>])([45]\d\d)(?=[ \t-])/gm)].map(
    (match) => match[1] ?? "",
  );
}

/** The status class of an enhanced code or SMTP code: "5" permanent, "4" temporary. */
export function isPermanentCode(code: string): boolean {
  return code.startsWith("5");
}
