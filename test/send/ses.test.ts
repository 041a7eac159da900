import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { type Config, parseConfig } from "../../src/config/index.ts";
import { sendIssue } from "../../src/send/index.ts";
import { importList } from "../../src/send/lists.ts";
import { openDatabase } from "../../src/send/store.ts";
import { createTransport } from "../../src/send/transports.ts";
import { fakeSes } from "./fake-ses.ts";

const config = parseConfig(`site: { name: DataLab, url: "https://lettre.example.org" }
sender: { name: DataLab, address: lettre@datalab.example.org }
`).value as Config;

describe("the ses:// transport (Amazon SES API v2 through nodemailer)", () => {
  it("sends raw messages, retries throttling and suppresses rejected addresses", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "lettre-ses-"));
    const db = openDatabase(root);
    const ses = await fakeSes({ rejected: "bad@exemple.fr", throttledOnce: "slow@exemple.fr" });
    try {
      importList(
        db,
        "l",
        "email,prénom\nok@exemple.fr,Olga\nbad@exemple.fr,\nslow@exemple.fr,\n",
        "l.csv",
      );
      const transport = createTransport("ses://eu-west-3", {
        connections: 2,
        rate: 10,
        env: { LETTRE_SES_ENDPOINT: ses.endpoint },
      });
      process.env.AWS_ACCESS_KEY_ID ??= "test-key";
      process.env.AWS_SECRET_ACCESS_KEY ??= "test-secret";
      const compiled = {
        slug: "s",
        subject: "Sujet é",
        html: "<p>Bonjour {{subscriber.firstName|vous}}</p>",
        text: "Bonjour {{subscriber.firstName|vous}}",
      };
      await sendIssue(db, {
        compiled,
        list: "l",
        config,
        transport,
        secret: "x",
        retry: { baseMs: 20, capMs: 50, maxAttempts: 3 },
      });
      await transport.close();
      const rows = db
        .prepare("SELECT email, status, code, attempts FROM journal ORDER BY email")
        .all();
      // The id SES gave each message, kept to match its notifications (SNS) later.
      expect(db.prepare("SELECT email, provider_id FROM journal ORDER BY email").all()).toEqual([
        { email: "bad@exemple.fr", provider_id: null },
        { email: "ok@exemple.fr", provider_id: expect.stringMatching(/^ses-\d$/) },
        { email: "slow@exemple.fr", provider_id: expect.stringMatching(/^ses-\d$/) },
      ]);
      expect(rows).toEqual([
        { email: "bad@exemple.fr", status: "failed", code: 554, attempts: 1 },
        { email: "ok@exemple.fr", status: "sent", code: 250, attempts: 1 },
        { email: "slow@exemple.fr", status: "sent", code: 250, attempts: 2 },
      ]);
      expect(db.prepare("SELECT email FROM suppressions").all()).toEqual([
        { email: "bad@exemple.fr" },
      ]);
      const olga = await simpleParser(
        ses.received.find((r) => r.to === "ok@exemple.fr")?.raw ?? "",
      );
      expect(olga.subject).toBe("Sujet é");
      expect(olga.text).toContain("Bonjour Olga");
      expect(olga.headers.has("list")).toBe(true);
      expect(() => createTransport("ses://nowhere", { connections: 1, rate: 1 })).toThrow(
        "région AWS",
      );
    } finally {
      await ses.close();
      db.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
