import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { simpleParser } from "mailparser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Config, parseConfig } from "../../src/config/index.ts";
import { sendIssue, sendStatus, toSend } from "../../src/send/index.ts";
import { importList } from "../../src/send/lists.ts";
import { openDatabase, personRecord } from "../../src/send/store.ts";
import { createTransport } from "../../src/send/transports.ts";
import { startSmtp } from "./smtp.ts";

const CONFIG = `site:
  name: DataLab Normandie
  url: https://lettre.example.org
sender:
  name: "DataLab Région Normandie — « Lettre »"
  address: lettre@datalab.example.org
sending:
  unsubscribeUrl: https://lettre.example.org/desinscription
  unsubscribeMailto: desinscription@datalab.example.org
  connections: 2
  rate: 100
`;
const config = parseConfig(CONFIG).value as Config;
const compiled = {
  slug: "2026-s1",
  subject: "L'IA au cœur des territoires : édition n° 13",
  html: '<p>Bonjour {{subscriber.firstName|à vous}} !</p><a href="{{unsubscribeUrl}}">Se désinscrire</a>',
  text: "Bonjour {{subscriber.firstName|à vous}} !\nSe désinscrire : {{unsubscribeUrl}}\n",
};
const FAST = { baseMs: 30, capMs: 200, maxAttempts: 5 };

let root: string;
let db: DatabaseSync;
const stops: (() => Promise<void>)[] = [];
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "lettre-send-"));
  db = openDatabase(root);
});
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  db.close();
  await rm(root, { recursive: true, force: true });
});

async function smtp(faults: Parameters<typeof startSmtp>[0]) {
  const server = await startSmtp(faults);
  stops.push(server.close);
  const transport = createTransport(server.url, { connections: 2, rate: 100 });
  stops.push(() => transport.close());
  return { server, transport };
}

const status = () =>
  Object.fromEntries(
    (
      db.prepare("SELECT email, status, attempts FROM journal ORDER BY email").all() as {
        email: string;
        status: string;
        attempts: number;
      }[]
    ).map((r) => [r.email, `${r.status}/${r.attempts}`]),
  );

describe("lettre send through a real SMTP server", () => {
  it("personalises, signs the unsubscribe link, skips unsubscribed and 5xx, retries 4xx", async () => {
    importList(
      db,
      "partenaires",
      "email,prénom\nanne@exemple.fr,Anne <l'admin>\nbob@exemple.fr,\nclaire@exemple.fr,Claire\ndenis@exemple.fr,Denis\neve@exemple.fr,Ève\n",
      "p.csv",
    );
    db.prepare(
      "INSERT INTO suppressions (email, reason, at) VALUES ('claire@exemple.fr', 'unsubscribed', 'x')",
    ).run();
    const { server, transport } = await smtp({
      rcpt: { "denis@exemple.fr": { code: 550 }, "eve@exemple.fr": { code: 451, once: true } },
    });
    const run = await sendIssue(db, {
      compiled,
      list: "partenaires",
      config,
      transport,
      secret: "s3cret",
      retry: FAST,
    });

    expect(status()).toEqual({
      "anne@exemple.fr": "sent/1",
      "bob@exemple.fr": "sent/1",
      "denis@exemple.fr": "failed/1",
      "eve@exemple.fr": "sent/2",
    });
    expect(run.status).toMatchObject({
      list: "partenaires",
      sent: 3,
      failed: 1,
      unknown: 0,
      remaining: 0,
    });
    expect(server.received.map((r) => r.to).sort()).toEqual([
      "anne@exemple.fr",
      "bob@exemple.fr",
      "eve@exemple.fr",
    ]);
    expect(db.prepare("SELECT email, reason FROM suppressions ORDER BY email").all()).toEqual([
      { email: "claire@exemple.fr", reason: "unsubscribed" },
      { email: "denis@exemple.fr", reason: "bounced" },
    ]);
    expect(personRecord(db, "denis@exemple.fr").events.at(-1)).toMatchObject({
      action: "bounced",
      by: "bounce",
      list: null,
      detail: "2026-s1",
    });

    const anne = server.received.find((r) => r.to === "anne@exemple.fr")?.mail;
    expect(anne?.subject).toBe(compiled.subject);
    expect(anne?.from?.value).toEqual([
      { address: "lettre@datalab.example.org", name: "DataLab Région Normandie — « Lettre »" },
    ]);
    // Non-ASCII subject and name travel as RFC 2047 encoded words, not raw bytes.
    expect(server.received.find((r) => r.to === "anne@exemple.fr")?.raw).toMatch(
      /^Subject: =\?UTF-8\?/m,
    );
    expect(anne?.html).toContain("<p>Bonjour Anne &lt;l'admin&gt; !</p>");
    expect(anne?.text).toContain("Bonjour Anne <l'admin> !");
    expect(anne?.messageId).toMatch(/^<2026-s1\.[0-9a-f]{24}@datalab\.example\.org>$/);
    // Headers unfolded (long ones are folded over several lines).
    const rawHeader = (server.received.find((r) => r.to === "anne@exemple.fr")?.raw ?? "").replace(
      /\r?\n[ \t]+/g,
      " ",
    );
    expect(rawHeader).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    // mailparser reads the List-* headers into one structure.
    const links = anne?.headers.get("list") as { unsubscribe?: { url?: string; mail?: string } };
    // An opaque token: neither the list nor the address shows in the link.
    expect(rawHeader).toMatch(
      /^List-Unsubscribe:\s+<https:\/\/lettre\.example\.org\/desinscription\?t=[\w-]{40,}>,\s+<mailto:desinscription@datalab\.example\.org\?subject=unsubscribe%20[\w-]{40,}>\r?$/m,
    );
    expect(links.unsubscribe?.mail).toMatch(/^desinscription@datalab\.example\.org\?subject=/);
    expect(anne?.html).toMatch(
      /href="https:\/\/lettre\.example\.org\/desinscription\?t=[\w-]{40,}"/,
    );
    expect(server.received.find((r) => r.to === "bob@exemple.fr")?.mail.text).toContain(
      "Bonjour à vous !",
    );
    expect(rawHeader).toMatch(/Content-Type: multipart\/alternative/);

    // Running again sends nothing more: already sent, failed and suppressed are skipped.
    await sendIssue(db, {
      compiled,
      list: "partenaires",
      config,
      transport,
      secret: "s3cret",
      retry: FAST,
    });
    expect(server.received).toHaveLength(3);
  });

  it("retries a refused connection; a connection dropped after DATA is reported unknown, not re-sent silently", async () => {
    importList(db, "l", "email\nfanny@exemple.fr\ngaspard@exemple.fr\nhugo@exemple.fr\n", "l.csv");
    const { server, transport } = await smtp({
      refuseConnections: 1,
      dropAfterData: ["gaspard@exemple.fr"],
      delayMs: 50,
    });
    await sendIssue(db, { compiled, list: "l", config, transport, secret: "s", retry: FAST });
    expect(server.received.map((r) => r.to).sort()).toEqual([
      "fanny@exemple.fr",
      "hugo@exemple.fr",
    ]);
    expect(status()["gaspard@exemple.fr"]).toBe("unknown/1");
    expect(sendStatus(db, "2026-s1")).toMatchObject([
      {
        list: "l",
        sent: 2,
        failed: 0,
        deferred: 0,
        unknown: 1,
        sending: 0,
        pending: 0,
        remaining: 0,
      },
    ]);
    // Only when asked: sent again (this server had not kept it, so it arrives once).
    await sendIssue(db, {
      compiled,
      list: "l",
      config,
      transport,
      secret: "s",
      retry: FAST,
      resendUnknown: true,
    });
    expect(server.received.map((r) => r.to).sort()).toEqual([
      "fanny@exemple.fr",
      "gaspard@exemple.fr",
      "hugo@exemple.fr",
    ]);
    expect(status()["gaspard@exemple.fr"]).toBe("sent/2");
  });

  it("stops the whole send on a refusal that is not about a recipient, suppressing no one", async () => {
    importList(db, "l", "email\nkarim@exemple.fr\nlea@exemple.fr\n", "l.csv");
    const { server, transport } = await smtp({ mailFrom: 553 });
    await expect(
      sendIssue(db, { compiled, list: "l", config, transport, secret: "s", retry: FAST }),
    ).rejects.toThrow(/553/);
    expect(server.received).toEqual([]);
    expect(db.prepare("SELECT COUNT(*) AS n FROM suppressions").get()).toEqual({ n: 0 });
    expect(Object.values(status()).every((s) => s.startsWith("pending/"))).toBe(true);
  });

  // Regression: bounced addresses were subtracted twice, so a rerun said "nothing to send"
  // while someone was still waiting.
  it("counts who is left to send to from the journal, not by subtraction", async () => {
    importList(db, "l", "email\na@exemple.fr\nb@exemple.fr\nc@exemple.fr\nd@exemple.fr\n", "l.csv");
    const row = db.prepare(
      "INSERT INTO journal (issue, list, email, status, message_id, updated) VALUES ('2026-s1', 'l', ?, ?, 'm', 'x')",
    );
    row.run("a@exemple.fr", "sent");
    row.run("b@exemple.fr", "pending");
    row.run("c@exemple.fr", "failed");
    row.run("d@exemple.fr", "failed");
    for (const email of ["c@exemple.fr", "d@exemple.fr"]) {
      db.prepare("INSERT INTO suppressions (email, reason, at) VALUES (?, 'bounced', 'x')").run(
        email,
      );
    }
    expect(toSend(db, "2026-s1", "l").map((p) => p.email)).toEqual(["b@exemple.fr"]);
    expect(sendStatus(db, "2026-s1")[0]?.remaining).toBe(1);
  });

  it("signs with DKIM over the List-* headers when configured", async () => {
    importList(db, "l", "email\njules@exemple.fr\n", "l.csv");
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const transport = createTransport(`outbox:${path.join(root, "outbox")}`, {
      connections: 1,
      rate: 1,
      dkim: { domain: "datalab.example.org", selector: "lettre" },
      env: {
        LETTRE_DKIM_PRIVATE_KEY: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
      },
    });
    await sendIssue(db, { compiled, list: "l", config, transport, secret: "s" });
    const [file] = await readdir(path.join(root, "outbox"));
    const raw = (await readFile(path.join(root, "outbox", file ?? ""), "utf8")).replace(
      /\r?\n[ \t]+/g,
      " ",
    );
    const signature = /^DKIM-Signature: (.*)$/m.exec(raw)?.[1] ?? "";
    expect(signature).toContain("d=datalab.example.org");
    expect(signature).toContain("s=lettre");
    expect(signature.toLowerCase()).toMatch(/h=[^;]*list-unsubscribe:list-unsubscribe-post/);
    expect(() =>
      createTransport("outbox:x", {
        connections: 1,
        rate: 1,
        dkim: { domain: "d.org", selector: "s" },
        env: {},
      }),
    ).toThrow("LETTRE_DKIM_PRIVATE_KEY");
  });

  it("writes .eml files to an outbox with no mail server", async () => {
    importList(db, "l", "email,prénom\nines@exemple.fr,Inès\n", "l.csv");
    const transport = createTransport(`outbox:${path.join(root, "outbox")}`, {
      connections: 1,
      rate: 1,
    });
    await sendIssue(db, { compiled, list: "l", config, transport, secret: "s" });
    const files = await readdir(path.join(root, "outbox"));
    expect(files).toHaveLength(1);
    const mail = await simpleParser(await readFile(path.join(root, "outbox", files[0] ?? "")));
    expect(mail.to && "text" in mail.to ? mail.to.text : "").toBe("ines@exemple.fr");
    expect(mail.text).toContain("Bonjour Inès !");
    expect(status()).toEqual({ "ines@exemple.fr": "sent/1" });
  });
});
