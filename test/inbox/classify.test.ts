import { readFileSync } from "node:fs";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Classified,
  classifyFiles,
  classifyMessage,
  MAX_MESSAGE_BYTES,
} from "../../src/inbox/classify.ts";
import type { Kind } from "../../src/inbox/report.ts";
import { unsubscribeToken, verifyUnsubscribeToken } from "../../src/send/token.ts";

const CORPUS = join(import.meta.dirname, "../fixtures/inbox/corpus");

interface Expected {
  file: string;
  source: string;
  mta: string;
  kind: Kind;
  permanent: boolean;
  recipients: string[];
  note?: string;
}

const expected: Expected[] = JSON.parse(readFileSync(join(CORPUS, "expected.json"), "utf8"));

/** Right kind, same recipients (as a set) and, for a bounce, the same permanence. */
function isRight(want: Expected, got: Classified | undefined): boolean {
  if (!got || got.kind !== want.kind) return false;
  const sorted = (list: string[]) => [...list].sort().join(",");
  if (sorted(got.recipients) !== sorted(want.recipients)) return false;
  return want.kind !== "bounce" || got.permanent === want.permanent;
}

function mail(lines: string[]): Buffer {
  return Buffer.from(`${lines.join("\r\n")}\r\n`, "utf8");
}

describe("classify: the real-world corpus", () => {
  let results: Map<string, { report?: Classified; error?: string }>;

  beforeAll(async () => {
    const all = await classifyFiles(expected.map((want) => join(CORPUS, want.file)));
    results = new Map(all.map((result, index) => [expected[index]?.file ?? "", result]));
  });

  it("holds enough samples of enough mail systems", () => {
    const bounces = expected.filter((want) => want.kind === "bounce" || want.kind === "complaint");
    const systems = new Set(bounces.map((want) => want.mta.split(" ")[0]));
    expect(expected.length).toBeGreaterThanOrEqual(60);
    expect(systems.size).toBeGreaterThanOrEqual(8);
    expect(expected.filter((want) => want.kind === "auto-reply").length).toBeGreaterThanOrEqual(8);
    expect(expected.filter((want) => want.kind === "other").length).toBeGreaterThanOrEqual(8);
  });

  it("reads every sample without an error", () => {
    const errors = [...results].filter(([, result]) => result.error);
    expect(errors).toEqual([]);
  });

  it("finds the right kind, recipients and permanence for at least 90 % of the samples", () => {
    const rows = new Map<string, { right: number; total: number }>();
    const confusion = new Map<string, number>();
    const wrong: string[] = [];
    for (const want of expected) {
      const got = results.get(want.file)?.report;
      const right = isRight(want, got);
      const row = rows.get(want.mta) ?? { right: 0, total: 0 };
      rows.set(want.mta, { right: row.right + (right ? 1 : 0), total: row.total + 1 });
      const cell = `${want.kind} -> ${got?.kind ?? "error"}`;
      confusion.set(cell, (confusion.get(cell) ?? 0) + 1);
      if (!right) {
        wrong.push(
          `${want.file}: want ${want.kind}/${want.permanent} ${JSON.stringify(want.recipients)}, ` +
            `got ${got?.kind}/${got?.permanent} ${JSON.stringify(got?.recipients)}`,
        );
      }
    }
    const right = expected.length - wrong.length;
    const summary = [...rows]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([mta, row]) => `  ${mta.padEnd(34)} ${row.right}/${row.total}`);
    console.log(
      [
        `classify corpus: ${right}/${expected.length} right (${((100 * right) / expected.length).toFixed(1)} %)`,
        "per mail system:",
        ...summary,
        "expected kind -> classified kind:",
        ...[...confusion].sort().map(([cell, count]) => `  ${cell.padEnd(34)} ${count}`),
        ...(wrong.length > 0 ? ["wrong:", ...wrong.map((line) => `  ${line}`)] : []),
      ].join("\n"),
    );
    expect(right / expected.length).toBeGreaterThanOrEqual(0.9);
  });

  it("never calls an auto-reply or a normal mail a bounce (nor a complaint)", () => {
    const notBounces = expected.filter(
      (want) => want.kind === "auto-reply" || want.kind === "other",
    );
    expect(notBounces.length).toBeGreaterThanOrEqual(16);
    for (const want of notBounces) {
      const kind = results.get(want.file)?.report?.kind;
      expect({ file: want.file, kind }).toEqual({ file: want.file, kind: want.kind });
    }
  });

  it("finds our Message-ID in the returned copy of a Postfix bounce", () => {
    const report = results.get("postfix-local-01.eml")?.report;
    expect(report?.messageIds).toEqual(["<issue-12.3f9a1c2b7d4e5f60718293a4@lettre.test>"]);
    expect(report?.status).toBe("5.1.1");
  });

  it("finds the Message-ID of an inline message/rfc822 part (ARF)", () => {
    expect(results.get("sisimai-arf-03.eml")?.report?.messageIds).toEqual([
      "<f6fbba8a761ce682e1b00a323a21b372@example.net>",
    ]);
  });
});

describe("classify: focused cases", () => {
  it("reads a DSN whose two recipients failed one temporarily, one permanently", async () => {
    const report = await classifyMessage(
      mail([
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>",
        "To: news@lettre.example",
        "Subject: Undelivered Mail Returned to Sender",
        "Message-ID: <bounce-1@mx.example.net>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        "",
        "--b",
        "Content-Type: text/plain",
        "",
        "Two recipients failed.",
        "--b",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.example.net",
        "",
        "Final-Recipient: rfc822; Full@Example.org",
        "Action: delayed",
        "Status: 4.2.2",
        "Diagnostic-Code: smtp; 452 4.2.2 Mailbox full",
        "",
        "Final-Recipient: rfc822; gone@example.org",
        "Action: failed",
        "Status: 5.1.1",
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown",
        "",
        "--b",
        "Content-Type: text/rfc822-headers",
        "",
        "From: news@lettre.example",
        "Message-ID: <issue-3.abc@lettre.example>",
        "",
        "--b--",
      ]),
    );
    expect(report.kind).toBe("bounce");
    expect(report.recipients).toEqual(["full@example.org", "gone@example.org"]);
    // Not every recipient failed for good: the report as a whole is not permanent…
    expect(report.permanent).toBe(false);
    // …and perRecipient says who failed how.
    expect(report.perRecipient).toEqual([
      {
        address: "full@example.org",
        permanent: false,
        delayed: true,
        status: "4.2.2",
        diagnostic: "452 4.2.2 Mailbox full",
      },
      {
        address: "gone@example.org",
        permanent: true,
        status: "5.1.1",
        diagnostic: "550 5.1.1 User unknown",
      },
    ]);
    expect(report.status).toBe("5.1.1");
    expect(report.messageIds).toEqual(["<issue-3.abc@lettre.example>"]);
  });

  it("reads an ARF complaint: Original-Rcpt-To, Feedback-Type and the original's Message-ID", async () => {
    const report = await classifyMessage(
      mail([
        "From: feedback@fbl.example.com",
        "To: abuse@lettre.example",
        "Subject: complaint about message from 192.0.2.1",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=feedback-report; boundary="p"',
        "",
        "--p",
        "Content-Type: text/plain",
        "",
        "This is an email abuse report.",
        "--p",
        "Content-Type: message/feedback-report",
        "",
        "Feedback-Type: abuse",
        "User-Agent: SomeFBL/1.0",
        "Version: 1",
        "Original-Rcpt-To: <Reader@Example.com>",
        "",
        "--p",
        "Content-Type: message/rfc822",
        "Content-Disposition: inline",
        "",
        "From: news@lettre.example",
        "To: reader@example.com",
        "Subject: Issue 4",
        "Message-ID: <issue-4.def@lettre.example>",
        "",
        "Hello",
        "--p--",
      ]),
    );
    expect(report.kind).toBe("complaint");
    expect(report.recipients).toEqual(["reader@example.com"]);
    expect(report.messageIds).toEqual(["<issue-4.def@lettre.example>"]);
    expect(report.diagnostic).toBe("Feedback-Type: abuse");
  });

  it("reads the unsubscribe token of the mailto link's subject", async () => {
    const secret = "a test secret that is long enough 0123456789";
    const token = unsubscribeToken(secret, "weekly", "reader@example.com");
    const report = await classifyMessage(
      mail([
        "From: Reader <Reader@Example.com>",
        "To: news@lettre.example",
        `Subject: unsubscribe ${token}`,
        "",
        "",
      ]),
    );
    expect(report.kind).toBe("unsubscribe");
    expect(report.token).toBe(token);
    expect(report.recipients).toEqual(["reader@example.com"]);
    expect(verifyUnsubscribeToken(secret, report.token)).toEqual({
      list: "weekly",
      email: "reader@example.com",
    });
  });

  it("takes a plain 'désabonner' without a token as an unsubscribe request", async () => {
    const report = await classifyMessage(
      mail([
        "From: lecteur@example.fr",
        "To: news@lettre.example",
        "Subject: Re: Numéro 5",
        "",
        "Désabonner",
        "",
        "Merci",
      ]),
    );
    expect(report.kind).toBe("unsubscribe");
    expect(report.token).toBeUndefined();
    expect(report.recipients).toEqual(["lecteur@example.fr"]);
  });

  it("calls an RFC 3834 auto-reply an auto-reply, never a bounce", async () => {
    const report = await classifyMessage(
      mail([
        "From: Reader <reader@example.com>",
        "To: news@lettre.example",
        "Subject: Re: Issue 12: the spring garden",
        "Auto-Submitted: auto-replied",
        "In-Reply-To: <issue-12.abc@lettre.example>",
        "",
        "I cannot read your message: the mailbox reader@example.com is no longer read.",
      ]),
    );
    expect(report.kind).toBe("auto-reply");
    expect(report.permanent).toBe(false);
    expect(report.messageIds).toEqual(["<issue-12.abc@lettre.example>"]);
  });

  it("keeps a mailbox-full report without an enhanced code temporary", async () => {
    const report = await classifyMessage(
      mail([
        "From: MAILER-DAEMON@mx.example.net",
        "To: news@lettre.example",
        "Subject: failure notice",
        "",
        "I'm afraid I wasn't able to deliver your message to the following addresses.",
        "",
        "<reader@example.com>:",
        "552 The mailbox is full.",
      ]),
    );
    expect(report).toMatchObject({
      kind: "bounce",
      permanent: false,
      recipients: ["reader@example.com"],
    });
  });

  describe("bounded input", () => {
    let folder = "";
    beforeAll(async () => {
      folder = await mkdtemp(join(tmpdir(), "lettre-classify-"));
    });
    afterAll(async () => {
      await rm(folder, { recursive: true, force: true });
    });

    it("refuses a message larger than the limit", async () => {
      await expect(classifyMessage(Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x61))).rejects.toThrow(
        /too large/,
      );
    });

    it("gives an error string, never a throw, for an oversized or unreadable file", async () => {
      const big = join(folder, "big.eml");
      await writeFile(big, "");
      await truncate(big, MAX_MESSAGE_BYTES + 1);
      const ok = join(folder, "ok.eml");
      await writeFile(ok, "From: a@example.com\r\nSubject: hello\r\n\r\nhi\r\n");
      const results = await classifyFiles([big, join(folder, "missing.eml"), folder, ok]);
      expect(results.map((result) => result.file)).toEqual([
        big,
        join(folder, "missing.eml"),
        folder,
        ok,
      ]);
      expect(results[0]?.error).toMatch(/^trop gros \(10\u202f240,0 Ko\) pour un message renvoyé/);
      expect(results[1]?.error).toBe("fichier introuvable : vérifiez le chemin");
      expect(results[2]?.error).toMatch(/^ce n'est pas un fichier/);
      expect(results[3]?.report?.kind).toBe("other");
    });
  });
});

describe("classify: what must never be taken for a bounce or a complaint", () => {
  const mail = (lines: string[]) => Buffer.from(lines.join("\r\n"));

  it("a reader's reply about undelivered mail that names another address", async () => {
    const report = await classifyMessage(
      mail([
        "From: Jane <jane@example.org>",
        "To: news@lettre.example",
        "Subject: Re: Delivery problems at the post office this week",
        "In-Reply-To: <issue-3.abc@lettre.example>",
        "",
        "Hello, my colleague bob@corp.example.com did not get it either.",
      ]),
    );
    expect(report.kind).not.toBe("bounce");
    const asked = await classifyMessage(
      mail([
        "From: jane@example.org",
        "Subject: Undelivered newsletter last week?",
        "",
        "My other address is jane.work@example.net, could you send it there?",
      ]),
    );
    expect(asked.kind).not.toBe("bounce");
  });

  it("a delivery receipt (Action: delivered) and quoted report words in a text body", async () => {
    const receipt = await classifyMessage(
      mail([
        "From: MAILER-DAEMON@mx.example.net",
        "Subject: Successful Mail Delivery Report",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        "",
        "--b",
        "Content-Type: text/plain",
        "",
        "Your message was successfully delivered to reader@example.org.",
        "--b",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.example.net",
        "",
        "Final-Recipient: rfc822; reader@example.org",
        "Action: delivered",
        "Status: 2.0.0",
        "",
        "--b--",
      ]),
    );
    expect(receipt.kind).toBe("other");
    const quoting = await classifyMessage(
      mail([
        "From: reader@example.org",
        "Subject: Re: your newsletter",
        "Content-Type: text/plain",
        "",
        "What does this mean?",
        "Content-Type: message/rfc822",
        "",
        "X-HmXmrOriginalRecipient: reader@hotmail.com",
        "",
      ]),
    );
    expect(quoting.kind).toBe("other");
  });

  it("the project's own sender, given, is never a failed recipient", async () => {
    const report = await classifyMessage(
      mail([
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>",
        "To: bounces+x=y@lettre.example",
        "Subject: Undelivered Mail Returned to Sender",
        "",
        "<gone@example.org>: 550 5.1.1 User unknown",
        "Sent by: News <NEWS@lettre.example>",
      ]),
      ["news@lettre.example"],
    );
    expect(report.recipients).toEqual(["gone@example.org"]);
  });

  it("takes the token of 'unsubscribe <token>' whatever follows it", async () => {
    const token = unsubscribeToken("a-secret-of-at-least-thirty-two-bytes!!", "l", "r@exemple.fr");
    const report = await classifyMessage(
      mail(["From: r@exemple.fr", `Subject: unsubscribe ${token} please`, "", ""]),
    );
    expect(report).toMatchObject({ kind: "unsubscribe", token });
  });

  it("stays linear on hostile input: long runs without @, unclosed Message-IDs, many parts", async () => {
    const run = "a".repeat(1_000_000);
    const cases = [
      mail(["From: x@example.org", `To: ${run}`, "Subject: Undelivered", "", run]),
      mail([
        "From: x@example.org",
        `In-Reply-To: <${"a@".repeat(200_000)}`,
        "Subject: Out of office",
        "",
        "x",
      ]),
      mail([
        "From: x@example.org",
        "Subject: hi",
        "",
        "--b\r\nContent-Type: message/rfc822\r\n\r\nA: b\r\n\r\n".repeat(20_000),
      ]),
      // A header over mailparser's limit: no header lines at all.
      mail(["From: x@example.org", `X-Big: ${"b".repeat(1_100_000)}`, "", "x"]),
    ];
    for (const raw of cases) {
      await expect(classifyMessage(raw)).resolves.toHaveProperty("kind");
    }
    // Minutes per case before (quadratic scans): the test's time limit is the guard.
  }, 30_000);
});
