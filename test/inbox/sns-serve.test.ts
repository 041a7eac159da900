/**
 * Amazon SES notifications end to end: an issue sent through the ses:// transport (a
 * stand-in for the SES API on 127.0.0.1), then the real `lettre serve` receiving signed SNS
 * notifications (certificate fetched over HTTPS from a server with a test CA's certificate)
 * for those messages, matched by the SES message id `lettre send` recorded.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, personRecord } from "../../src/send/store.ts";
import { lettre } from "../cli.ts";
import { put, read } from "../helpers.ts";
import { fakeSes } from "../send/fake-ses.ts";
import { sendingProject } from "../send/project.ts";
import { freePort, startServe } from "../serve/load.ts";
import {
  CA_FILE,
  closeSnsServers,
  notification,
  sesBounce,
  signSns,
  startSnsServer,
  subscriptionConfirmation,
  TOPIC,
} from "./sns-helpers.ts";

afterEach(closeSnsServers);

const AWS = { AWS_ACCESS_KEY_ID: "test-key", AWS_SECRET_ACCESS_KEY: "test-secret" };

function complaint(address: string, sesMessageId: string, feedbackId: string) {
  return {
    notificationType: "Complaint",
    complaint: {
      complainedRecipients: [{ emailAddress: address }],
      complaintFeedbackType: "abuse",
      timestamp: new Date().toISOString(),
      feedbackId,
    },
    mail: { timestamp: new Date().toISOString(), messageId: sesMessageId, destination: [address] },
  };
}

describe("SES notifications to lettre serve (/sns)", () => {
  it("suppresses on signed bounces and complaints, counts transient ones, refuses the rest", async () => {
    const { root, emails: addresses } = await sendingProject(4, 1);
    const [hard, complained, soft, kept] = addresses as [string, string, string, string];
    await put(
      root,
      "lettre.config.yaml",
      `${(await read(root, "lettre.config.yaml")).trimEnd()}\ninbox:\n  sns:\n    topics: ["${TOPIC}"]\n`,
    );
    const ses = await fakeSes({});
    try {
      const sent = await lettre(
        root,
        ["send", "2025-s1", "--list", "l", "--yes", "--transport", "ses://eu-west-3"],
        { env: { LETTRE_SES_ENDPOINT: ses.endpoint, ...AWS } },
      ).done;
      expect(sent.code, sent.stderr).toBe(0);
    } finally {
      await ses.close();
    }
    const db = openDatabase(root);
    const idOf = (email: string) =>
      (
        db.prepare("SELECT provider_id FROM journal WHERE email = ?").get(email) as {
          provider_id: string;
        }
      ).provider_id;
    expect(idOf(hard)).toMatch(/^ses-\d$/);

    const sns = await startSnsServer();
    const port = await freePort();
    const server = await startServe(root, port, {
      env: { LETTRE_SNS_CONNECT: sns.connect, LETTRE_SNS_CA: CA_FILE },
    });
    const post = async (body: Record<string, string>) => {
      const response = await fetch(`${server.url}sns`, {
        method: "POST",
        headers: {
          "content-type": "text/plain; charset=UTF-8",
          "x-amz-sns-message-type": body.Type ?? "",
        },
        body: JSON.stringify(body),
      });
      return response.status;
    };
    try {
      // The subscription is confirmed (SNS's SubscribeURL visited over HTTPS).
      expect(await post(signSns(subscriptionConfirmation()))).toBe(200);
      expect(sns.confirmations).toHaveLength(1);

      const bounce = signSns(
        notification(
          sesBounce(
            "Permanent",
            [{ emailAddress: hard, status: "5.1.1", diagnosticCode: "smtp; 550 5.1.1 unknown" }],
            idOf(hard),
            "fb-hard",
          ),
        ),
        "1",
      );
      // Tampered on the way (another address in the message): refused, nothing changes.
      const tampered = { ...bounce, Message: bounce.Message?.replace(hard, kept) ?? "" };
      expect(await post(tampered)).toBe(403);
      // Signed right, but for a topic not in the config.
      const otherTopic = signSns(
        notification(sesBounce("Permanent", [{ emailAddress: kept }], idOf(kept), "fb-x"), {
          TopicArn: "arn:aws:sns:eu-west-3:123456789012:someone-else",
        }),
      );
      expect(await post(otherTopic)).toBe(403);
      expect(personRecord(db, kept).suppression).toBeUndefined();

      expect(await post(bounce)).toBe(200);
      // SNS delivers at least once: the same notification again acts no more.
      expect(await post(bounce)).toBe(200);
      expect(
        await post(signSns(notification(complaint(complained, idOf(complained), "fb-spam")))),
      ).toBe(200);
      expect(
        await post(
          signSns(
            notification(sesBounce("Transient", [{ emailAddress: soft }], idOf(soft), "fb-soft")),
          ),
        ),
      ).toBe(200);

      expect(personRecord(db, hard).suppression?.reason).toBe("bounced");
      expect(personRecord(db, hard).events.filter((e) => e.action === "bounced")).toHaveLength(1);
      expect(personRecord(db, complained).suppression?.reason).toBe("complained");
      expect(personRecord(db, soft).suppression).toBeUndefined();
      expect(personRecord(db, soft).events.map((e) => e.action)).toContain("soft-bounce");
      expect(personRecord(db, kept).suppression).toBeUndefined();
      expect(
        db
          .prepare("SELECT email, returned FROM journal WHERE returned IS NOT NULL ORDER BY email")
          .all(),
      ).toEqual(
        [
          { email: hard, returned: "hard" },
          { email: complained, returned: "complaint" },
          { email: soft, returned: "soft" },
        ].sort((a, b) => a.email.localeCompare(b.email)),
      );
    } finally {
      db.close();
      server.child.kill("SIGTERM");
      await server.done;
    }
    const status = await lettre(root, ["send", "status", "2025-s1"]).done;
    expect(status.stdout).toContain("1 en erreur définitive, 1 temporaire(s), 1 plainte(s)");
  }, 60_000);
});
