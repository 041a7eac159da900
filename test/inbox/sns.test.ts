import { generateKeyPairSync } from "node:crypto";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  clearCertificateCache,
  confirmSubscription,
  type SesEvent,
  SnsError,
  type SnsMessage,
  sesEvents,
  verifySnsMessage,
} from "../../src/inbox/sns.ts";
import { snsRoute } from "../../src/serve/sns.ts";
import {
  CA_FILE,
  CERT_PATH,
  closeSnsServers,
  HOST,
  notification,
  type SnsServer,
  sesBounce,
  signSns,
  startSnsServer,
  subscriptionConfirmation,
  TOPIC,
  UNTRUSTED_KEY,
  UNTRUSTED_PEM,
} from "./sns-helpers.ts";

const BOUNCE = sesBounce("Permanent", [
  {
    emailAddress: "Reader@Example.ORG",
    status: "5.1.1",
    diagnosticCode: "smtp; 550 5.1.1 user unknown",
  },
]);

interface Route {
  url: string;
  calls: { events: SesEvent[]; message: SnsMessage }[];
  logs: string[];
  post(body: unknown, type?: string | null): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

const routes = new Set<Route>();

/** A Hono app with only `snsRoute`, on a real HTTP server on 127.0.0.1. */
async function startRoute(
  env: NodeJS.ProcessEnv,
  onEvents: (events: SesEvent[], message: SnsMessage) => Promise<void> | void = () => {},
  configure?: (app: Hono) => void,
  topics: readonly string[] = [TOPIC],
): Promise<Route> {
  const calls: Route["calls"] = [];
  const logs: string[] = [];
  const app = new Hono();
  snsRoute(app, {
    env,
    topics,
    onEvents: (events, message) => {
      calls.push({ events, message });
      return onEvents(events, message);
    },
    log: (line) => logs.push(line),
  });
  configure?.(app);
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(started),
    );
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const route: Route = {
    url,
    calls,
    logs,
    async post(body, type) {
      const text = typeof body === "string" ? body : JSON.stringify(body);
      const bodyType = (body as { Type?: string }).Type;
      const headers: Record<string, string> = { "content-type": "text/plain; charset=UTF-8" };
      const header = type === undefined ? bodyType : type;
      if (header) headers["x-amz-sns-message-type"] = header;
      const response = await fetch(`${url}/sns`, { method: "POST", headers, body: text });
      return { status: response.status, text: await response.text() };
    },
    close: () =>
      new Promise<void>((resolve) => {
        routes.delete(route);
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
  routes.add(route);
  return route;
}

let sns: SnsServer;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  clearCertificateCache();
  sns = await startSnsServer();
  env = { LETTRE_SNS_CONNECT: sns.connect, LETTRE_SNS_CA: CA_FILE };
});

afterEach(async () => {
  await Promise.all([...routes].map((route) => route.close()));
  await closeSnsServers();
});

/** The reason `verifySnsMessage` refused `body` with (fails the test if it accepted). */
async function refusal(body: unknown, environment = env): Promise<string> {
  try {
    await verifySnsMessage(body, { env: environment });
  } catch (error) {
    expect(error).toBeInstanceOf(SnsError);
    return (error as SnsError).reason;
  }
  throw new Error("accepted");
}

describe("verifySnsMessage", () => {
  for (const version of ["1", "2"] as const) {
    it(`accepts a notification signed with SignatureVersion ${version}`, async () => {
      const signed = signSns(notification(BOUNCE, { Subject: "Amazon SES Email Event" }), version);
      const message = await verifySnsMessage(signed, { env });
      expect(message.Type).toBe("Notification");
      expect(message.MessageId).toBe(signed.MessageId);
      expect(message.Type === "Notification" && message.Subject).toBe("Amazon SES Email Event");
      // The certificate was fetched from the test server, for the name in the URL.
      expect(sns.requests).toEqual([CERT_PATH]);
    });
  }

  it("accepts a notification without Subject, and fetches the certificate once", async () => {
    await verifySnsMessage(signSns(notification(BOUNCE), "1"), { env });
    await verifySnsMessage(signSns(notification(BOUNCE), "2"), { env });
    expect(sns.requests).toEqual([CERT_PATH]);
  });

  it("refuses a tampered Message, Subject, MessageId, Timestamp or Type", async () => {
    const signed = signSns(notification(BOUNCE, { Subject: "Bounce" }));
    const other = JSON.stringify(sesBounce("Permanent", [{ emailAddress: "victim@example.org" }]));
    expect(await refusal({ ...signed, Message: other })).toBe("signature");
    expect(await refusal({ ...signed, Subject: "Bounce!" })).toBe("signature");
    const { Subject: _, ...withoutSubject } = signed;
    expect(await refusal(withoutSubject)).toBe("signature");
    expect(await refusal({ ...signed, MessageId: "another" })).toBe("signature");
    const later = new Date(Date.parse(signed.Timestamp ?? "") + 1000).toISOString();
    expect(await refusal({ ...signed, Timestamp: later })).toBe("signature");
    // A Subject added to a message signed without one.
    const bare = signSns(notification(BOUNCE));
    expect(await refusal({ ...bare, Subject: "added" })).toBe("signature");
    // The valid message still passes: what failed was the tampering.
    await expect(verifySnsMessage(signed, { env })).resolves.toMatchObject({
      Type: "Notification",
    });
  });

  it("refuses a v2 message relabelled v1 and the reverse", async () => {
    const v2 = signSns(notification(BOUNCE), "2");
    expect(await refusal({ ...v2, SignatureVersion: "1" })).toBe("signature");
    const v1 = signSns(notification(BOUNCE), "1");
    expect(await refusal({ ...v1, SignatureVersion: "2" })).toBe("signature");
  });

  it("refuses a signature made with another key", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    expect(await refusal(signSns(notification(BOUNCE), "2", privateKey))).toBe("signature");
    expect(await refusal(signSns(notification(BOUNCE), "1", privateKey))).toBe("signature");
  });

  it("refuses a SigningCertURL that is not SNS's, before fetching anything", async () => {
    const urls = [
      `https://${HOST}.evil.example${CERT_PATH}`,
      `https://evil.example${CERT_PATH}`,
      // The virtual hosts of an S3 bucket named "sns" (anyone's, with Amazon's own TLS).
      `https://sns.s3.amazonaws.com${CERT_PATH}`,
      `https://sns.s3-accelerate.amazonaws.com${CERT_PATH}`,
      `http://${HOST}${CERT_PATH}`,
      `https://user@${HOST}${CERT_PATH}`,
      `https://${HOST}:8443${CERT_PATH}`,
      `https://${HOST}.${CERT_PATH}`,
      `https://sns.eu-west-3.amazonaws.com.cn.evil.example${CERT_PATH}`,
      `https://${HOST}/evil.pem`,
      `https://${HOST}${CERT_PATH}?x=1`,
      "not a url",
    ];
    for (const url of urls) {
      const signed = signSns(notification(BOUNCE, { SigningCertURL: url }));
      expect(await refusal(signed), url).toBe("cert-url");
    }
    expect(sns.requests).toEqual([]);
  });

  it("refuses a certificate server not trusted (self-signed, not from the test CA)", async () => {
    const untrusted = await startSnsServer({ tls: { cert: UNTRUSTED_PEM, key: UNTRUSTED_KEY } });
    const signed = signSns(notification(BOUNCE));
    const environment = { LETTRE_SNS_CONNECT: untrusted.connect, LETTRE_SNS_CA: CA_FILE };
    expect(await refusal(signed, environment)).toBe("cert-untrusted");
    expect(untrusted.requests).toEqual([]);
    // Without LETTRE_SNS_CA the test CA is not trusted either.
    expect(await refusal(signed, { LETTRE_SNS_CONNECT: sns.connect })).toBe("cert-untrusted");
    // …and a certificate cached for the trusted server does not serve the untrusted one.
    await verifySnsMessage(signed, { env });
    expect(await refusal(signed, environment)).toBe("cert-untrusted");
  });

  it("checks the server's certificate for the URL's host, not the address connected to", async () => {
    const signed = signSns(
      notification(BOUNCE, { SigningCertURL: `https://sns.us-east-1.amazonaws.com${CERT_PATH}` }),
    );
    expect(await refusal(signed)).toBe("cert-untrusted");
    expect(sns.requests).toEqual([]);
  });

  it("says a certificate that cannot be fetched now is unavailable (SNS retries)", async () => {
    const closed = await startSnsServer();
    const port = closed.connect;
    await closed.close();
    const error = await verifySnsMessage(signSns(notification(BOUNCE)), {
      env: { LETTRE_SNS_CONNECT: port, LETTRE_SNS_CA: CA_FILE },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnsError);
    expect((error as SnsError).reason).toBe("cert-unavailable");
    expect((error as SnsError).retryable).toBe(true);
  });

  it("refuses what is served if it is no certificate", async () => {
    const bad = await startSnsServer({ pem: "<html>not a certificate</html>" });
    const environment = { LETTRE_SNS_CONNECT: bad.connect, LETTRE_SNS_CA: CA_FILE };
    expect(await refusal(signSns(notification(BOUNCE)), environment)).toBe("cert-untrusted");
    const big = await startSnsServer({ pem: `${"-".repeat(20_000)}` });
    const bigEnv = { LETTRE_SNS_CONNECT: big.connect, LETTRE_SNS_CA: CA_FILE };
    await expect(verifySnsMessage(signSns(notification(BOUNCE)), { env: bigEnv })).rejects.toThrow(
      /larger than 16384 bytes/,
    );
  });

  it("gives up on a server that never answers, within the time bound", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const started = performance.now();
      const error = await verifySnsMessage(signSns(notification(BOUNCE)), {
        env: { LETTRE_SNS_CONNECT: `127.0.0.1:${port}`, LETTRE_SNS_CA: CA_FILE },
        fetchTimeoutMs: 300,
      }).catch((e: unknown) => e);
      const spent = performance.now() - started;
      expect(error).toMatchObject({ reason: "cert-unavailable" });
      expect(String(error)).toMatch(/no answer from sns\.eu-west-3\.amazonaws\.com in 300 ms/);
      expect(spent).toBeGreaterThanOrEqual(290);
      expect(spent).toBeLessThan(3000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("refuses a Timestamp older than an hour, or far ahead", async () => {
    const old = new Date(Date.now() - 61 * 60 * 1000).toISOString();
    expect(await refusal(signSns(notification(BOUNCE, { Timestamp: old })))).toBe("stale");
    const ahead = new Date(Date.now() + 10 * 60 * 1000).toISOString();
    expect(await refusal(signSns(notification(BOUNCE, { Timestamp: ahead })))).toBe("stale");
    // 59 minutes is fine.
    const recent = new Date(Date.now() - 59 * 60 * 1000).toISOString();
    await verifySnsMessage(signSns(notification(BOUNCE, { Timestamp: recent })), { env });
    expect(await refusal(signSns(notification(BOUNCE, { Timestamp: "yesterday" })))).toBe("shape");
  });

  it("refuses bad shapes, unknown versions and bad base64 with typed errors", async () => {
    const signed = signSns(notification(BOUNCE));
    expect(await refusal(null)).toBe("shape");
    expect(await refusal("text")).toBe("shape");
    expect(await refusal([])).toBe("shape");
    expect(await refusal({ ...signed, Type: "Other" })).toBe("shape");
    expect(await refusal({ ...signed, MessageId: 42 })).toBe("shape");
    const { TopicArn: _, ...noTopic } = signed;
    expect(await refusal(noTopic)).toBe("shape");
    expect(await refusal({ ...signed, SignatureVersion: "3" })).toBe("version");
    expect(await refusal({ ...signed, SignatureVersion: 2 })).toBe("version");
    expect(await refusal({ ...signed, Signature: "not base64!" })).toBe("signature-encoding");
    expect(await refusal({ ...signed, Signature: "QUJD" })).toBe("signature");
    const confirmation = signSns(subscriptionConfirmation());
    const { Token: __, ...noToken } = confirmation;
    expect(await refusal(noToken)).toBe("shape");
    expect(sns.requests).toEqual([CERT_PATH]);
  });

  it("accepts only the topics given", async () => {
    const signed = signSns(notification(BOUNCE));
    await expect(
      verifySnsMessage(signed, { env, topics: ["arn:aws:sns:eu-west-3:999999999999:other"] }),
    ).rejects.toMatchObject({ reason: "topic" });
    await expect(verifySnsMessage(signed, { env, topics: [TOPIC] })).resolves.toMatchObject({
      TopicArn: TOPIC,
    });
  });

  it("verifies a signed SubscriptionConfirmation, Token and SubscribeURL included", async () => {
    const signed = signSns(subscriptionConfirmation(), "1");
    await expect(verifySnsMessage(signed, { env })).resolves.toMatchObject({
      Type: "SubscriptionConfirmation",
    });
    expect(await refusal({ ...signed, Token: "other" })).toBe("signature");
    const moved = signed.SubscribeURL?.replace("Token=", "Token=x");
    expect(await refusal({ ...signed, SubscribeURL: moved })).toBe("signature");
    const evil = signSns(
      subscriptionConfirmation({
        SubscribeURL: "https://evil.example/?Action=ConfirmSubscription",
      }),
    );
    expect(await refusal(evil)).toBe("subscribe-url");
  });
});

describe("confirmSubscription", () => {
  it("visits the SubscribeURL on the SNS host", async () => {
    const message = await verifySnsMessage(signSns(subscriptionConfirmation()), { env });
    expect(await confirmSubscription(message, { env })).toEqual({ ok: true });
    expect(sns.confirmations).toHaveLength(1);
    expect(sns.confirmations[0]?.host).toBe(HOST);
    expect(sns.confirmations[0]?.url).toMatch(
      /^\/\?Action=ConfirmSubscription&TopicArn=.*&Token=token\d+$/,
    );
  });

  it("refuses a SubscribeURL elsewhere and reports a failed visit", async () => {
    const message = (await verifySnsMessage(signSns(subscriptionConfirmation()), {
      env,
    })) as SnsMessage & { SubscribeURL: string };
    const elsewhere = {
      ...message,
      SubscribeURL: "https://evil.example/?Action=ConfirmSubscription",
    };
    const refused = await confirmSubscription(elsewhere, { env });
    expect(refused.ok || refused.error.reason).toBe("subscribe-url");
    const untrusted = await startSnsServer({ tls: { cert: UNTRUSTED_PEM, key: UNTRUSTED_KEY } });
    const failed = await confirmSubscription(message, {
      env: { LETTRE_SNS_CONNECT: untrusted.connect, LETTRE_SNS_CA: CA_FILE },
    });
    expect(failed.ok || failed.error.reason).toBe("subscribe-failed");
    expect(untrusted.confirmations).toEqual([]);
    expect(sns.confirmations).toEqual([]);
  });
});

describe("POST /sns", () => {
  for (const version of ["1", "2"] as const) {
    it(`hands the events of a v${version} notification over, then answers 200`, async () => {
      const route = await startRoute(env);
      const signed = signSns(notification(BOUNCE), version);
      const answer = await route.post(signed);
      expect(answer).toEqual({ status: 200, text: "OK" });
      expect(route.calls).toHaveLength(1);
      expect(route.calls[0]?.events).toEqual([
        {
          kind: "bounce",
          permanent: true,
          recipients: ["reader@example.org"],
          sesMessageId: "0102018f-aaaa-bbbb-cccc-000000000001-000000",
          status: "5.1.1",
          diagnostic: "smtp; 550 5.1.1 user unknown",
          feedbackId: BOUNCE.bounce.feedbackId,
        },
      ]);
      expect(route.calls[0]?.message.MessageId).toBe(signed.MessageId);
    });
  }

  it("refuses tampered and misplaced messages with 403, never calling onEvents", async () => {
    const route = await startRoute(env);
    const signed = signSns(notification(BOUNCE, { Subject: "Bounce" }));
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const untrusted = await startSnsServer({ tls: { cert: UNTRUSTED_PEM, key: UNTRUSTED_KEY } });
    const untrustedRoute = await startRoute({ ...env, LETTRE_SNS_CONNECT: untrusted.connect });
    const refused = [
      { ...signed, Message: JSON.stringify(sesBounce("Permanent", [{ emailAddress: "x@y.z" }])) },
      { ...signed, Subject: "Other" },
      signSns(notification(BOUNCE), "2", privateKey),
      signSns(notification(BOUNCE, { SigningCertURL: `https://${HOST}.evil.example${CERT_PATH}` })),
      signSns(notification(BOUNCE, { SigningCertURL: `https://evil.example${CERT_PATH}` })),
      signSns(notification(BOUNCE, { SigningCertURL: `http://${HOST}${CERT_PATH}` })),
      signSns(
        notification(BOUNCE, { Timestamp: new Date(Date.now() - 2 * 3600_000).toISOString() }),
      ),
    ];
    for (const body of refused) {
      expect(await route.post(body)).toEqual({ status: 403, text: "Signature refused" });
    }
    expect(await untrustedRoute.post(signSns(notification(BOUNCE)))).toEqual({
      status: 403,
      text: "Signature refused",
    });
    expect(route.calls).toEqual([]);
    expect(untrustedRoute.calls).toEqual([]);
    expect(route.logs.map((line) => /\((.+?)\)/.exec(line)?.[1])).toEqual([
      "signature",
      "signature",
      "signature",
      "cert-url",
      "cert-url",
      "cert-url",
      "stale",
    ]);
    expect(untrustedRoute.logs[0]).toMatch(/^sns: refused \(cert-untrusted\)/);
    // What the sender wrote stays on one log line.
    const forged = signSns(
      notification(BOUNCE, { SigningCertURL: "https://evil.example/\nsns: forged line" }),
    );
    expect((await route.post(forged)).status).toBe(403);
    expect(route.logs.at(-1)).toBe(
      "sns: refused (cert-url): SigningCertURL not from SNS: https://evil.example/?sns: forged line",
    );
  });

  it("answers 400 to what is not an SNS message, or whose header does not match", async () => {
    const route = await startRoute(env);
    const signed = signSns(notification(BOUNCE));
    expect((await route.post("{not json", "Notification")).status).toBe(400);
    expect((await route.post({ Type: "Notification" })).status).toBe(400);
    expect((await route.post({ ...signed, SignatureVersion: "9" })).status).toBe(400);
    expect((await route.post(signed, null)).status).toBe(400);
    expect((await route.post(signed, "SubscriptionConfirmation")).status).toBe(400);
    expect(route.calls).toEqual([]);
    // The same message with its header: accepted.
    expect((await route.post(signed)).status).toBe(200);
    expect(route.calls).toHaveLength(1);
  });

  it("answers only once onEvents returned, and 500 when it threw", async () => {
    let committed = false;
    const slow = await startRoute(env, async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      committed = true;
    });
    const started = performance.now();
    const answer = await slow.post(signSns(notification(BOUNCE)));
    expect(answer.status).toBe(200);
    expect(committed).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);

    const failing = await startRoute(env, () => {
      throw new Error("database is locked");
    });
    const failed = await failing.post(signSns(notification(BOUNCE)));
    expect(failed.status).toBe(500);
    expect(failing.calls).toHaveLength(1);
    expect(failing.logs.at(-1)).toMatch(/not recorded: Error: database is locked/);
  });

  it("does not call onEvents for a delivery, and logs a malformed Message", async () => {
    const route = await startRoute(env);
    const delivery = { notificationType: "Delivery", mail: { messageId: "m1" }, delivery: {} };
    expect((await route.post(signSns(notification(delivery)))).status).toBe(200);
    expect((await route.post(signSns(notification("not json")))).status).toBe(200);
    expect(route.calls).toEqual([]);
    expect(route.logs).toEqual([expect.stringMatching(/ignored: Message is not JSON$/)]);
  });

  it("confirms a SubscriptionConfirmation: the SNS server saw the GET", async () => {
    const route = await startRoute(env);
    const signed = signSns(subscriptionConfirmation());
    expect(await route.post(signed)).toEqual({ status: 200, text: "Confirmed" });
    expect(sns.confirmations.map((c) => c.url)).toEqual([
      new URL(signed.SubscribeURL ?? "").pathname + new URL(signed.SubscribeURL ?? "").search,
    ]);
    expect(route.calls).toEqual([]);
    expect(route.logs).toEqual([`sns: subscription to ${TOPIC} confirmed`]);
    // Tampered: refused, not visited.
    expect((await route.post({ ...signed, Token: "other" })).status).toBe(403);
    expect(sns.confirmations).toHaveLength(1);
  });

  it("accepts only the topics of the config (inbox.sns.topics)", async () => {
    const route = await startRoute(env, undefined, undefined, ["arn:aws:sns:eu-west-3:1:other"]);
    expect((await route.post(signSns(notification(BOUNCE)))).status).toBe(403);
    expect((await route.post(signSns(subscriptionConfirmation()))).status).toBe(403);
    expect(sns.confirmations).toEqual([]);
    expect(route.calls).toEqual([]);
    const allowed = await startRoute(env, undefined, undefined, ["other", TOPIC]);
    expect((await allowed.post(signSns(notification(BOUNCE)))).status).toBe(200);
  });

  it("answers 503 when the certificate cannot be fetched now", async () => {
    const closed = await startSnsServer();
    await closed.close();
    const route = await startRoute({ ...env, LETTRE_SNS_CONNECT: closed.connect });
    expect((await route.post(signSns(notification(BOUNCE)))).status).toBe(503);
    expect(route.calls).toEqual([]);
  });

  it("takes notifications up to its own limit even behind a smaller global one", async () => {
    // As in src/serve/index.ts: the route mounted before `app.use("*", bodyLimit(16 KB))`.
    const route = await startRoute(env, undefined, (app) => {
      app.use("*", bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.text("too large", 413) }));
      app.post("/other", (c) => c.text("other"));
    });
    const padding = "x".repeat(40 * 1024);
    const large = sesBounce("Transient", [{ emailAddress: "a@example.org" }]);
    const signed = signSns(notification({ ...large, padding }));
    expect((await route.post(signed)).status).toBe(200);
    expect(route.calls[0]?.events[0]?.permanent).toBe(false);
    const other = await fetch(`${route.url}/other`, { method: "POST", body: padding });
    expect(other.status).toBe(413);
    const huge = await route.post({ ...signed, Message: "x".repeat(400 * 1024) });
    expect(huge.status).toBe(413);
    expect(route.calls).toHaveLength(1);
  });
});

describe("sesEvents", () => {
  /** A Notification around `ses` (sesEvents reads verified messages; no signature needed). */
  const of = (ses: unknown) => notification(ses) as unknown as SnsMessage;

  it("reads a Permanent bounce", () => {
    const events = sesEvents(of(BOUNCE));
    expect(events).toEqual([
      {
        kind: "bounce",
        permanent: true,
        recipients: ["reader@example.org"],
        sesMessageId: "0102018f-aaaa-bbbb-cccc-000000000001-000000",
        status: "5.1.1",
        diagnostic: "smtp; 550 5.1.1 user unknown",
        feedbackId: BOUNCE.bounce.feedbackId,
      },
    ]);
    expect(events.reason).toBeUndefined();
  });

  it("reads Transient and Undetermined bounces as temporary", () => {
    const transient = sesBounce(
      "Transient",
      [
        { emailAddress: "Full@Example.org", status: "4.2.2", diagnosticCode: "mailbox full" },
        { emailAddress: "second@example.org" },
      ],
      "ses-2",
      "fb-2",
    );
    expect(sesEvents(of(transient))).toEqual([
      {
        kind: "bounce",
        permanent: false,
        recipients: ["full@example.org", "second@example.org"],
        sesMessageId: "ses-2",
        status: "4.2.2",
        diagnostic: "mailbox full",
        feedbackId: "fb-2",
      },
    ]);
    const undetermined = sesBounce("Undetermined", [{ emailAddress: "u@example.org" }], "ses-3");
    expect(sesEvents(of(undetermined))[0]).toMatchObject({ kind: "bounce", permanent: false });
  });

  it("reads a complaint, and ignores a not-spam one", () => {
    const complaint = (type?: string) => ({
      notificationType: "Complaint",
      complaint: {
        complainedRecipients: [{ emailAddress: "Angry@Example.org" }],
        timestamp: "2026-01-01T00:00:00.000Z",
        feedbackId: "fb-complaint",
        ...(type ? { complaintFeedbackType: type } : {}),
      },
      mail: { messageId: "ses-4", destination: ["angry@example.org"] },
    });
    expect(sesEvents(of(complaint("abuse")))).toEqual([
      {
        kind: "complaint",
        permanent: false,
        recipients: ["angry@example.org"],
        sesMessageId: "ses-4",
        feedbackType: "abuse",
        feedbackId: "fb-complaint",
      },
    ]);
    expect(sesEvents(of(complaint()))[0]).toMatchObject({
      kind: "complaint",
      sesMessageId: "ses-4",
    });
    const notSpam = sesEvents(of(complaint("not-spam")));
    expect(notSpam).toEqual([]);
    expect(notSpam.reason).toBeUndefined();
  });

  it("reads the event publishing format", () => {
    const published = {
      eventType: "Bounce",
      bounce: {
        bounceType: "Permanent",
        bounceSubType: "Suppressed",
        bouncedRecipients: [
          { emailAddress: '"Reader" <Reader@Example.org>', diagnosticCode: "on suppression list" },
        ],
        timestamp: "2026-01-01T00:00:00.000Z",
        feedbackId: "fb-published",
      },
      mail: { messageId: "ses-5", tags: { "ses:configuration-set": ["lettre"] } },
    };
    expect(sesEvents(of(published))).toEqual([
      {
        kind: "bounce",
        permanent: true,
        recipients: ["reader@example.org"],
        sesMessageId: "ses-5",
        diagnostic: "on suppression list",
        feedbackId: "fb-published",
      },
    ]);
    const complaint = {
      eventType: "Complaint",
      complaint: { complainedRecipients: [{ emailAddress: "c@example.org" }], feedbackId: "fb-c" },
      mail: { messageId: "ses-6" },
    };
    expect(sesEvents(of(complaint))).toMatchObject([
      { kind: "complaint", recipients: ["c@example.org"], sesMessageId: "ses-6" },
    ]);
  });

  it("gives nothing for deliveries, and a reason for what is malformed", () => {
    const delivery = sesEvents(of({ eventType: "Delivery", mail: { messageId: "m" } }));
    expect(delivery).toEqual([]);
    expect(delivery.reason).toBeUndefined();
    const malformed: [unknown, RegExp][] = [
      ["{not json", /not JSON/],
      ["[]", /not an SES notification/],
      [{ notificationType: "Bounce", bounce: BOUNCE.bounce }, /mail/],
      [{ notificationType: "Bounce", mail: { messageId: "m" } }, /without bounce/],
      [{ ...BOUNCE, bounce: { ...BOUNCE.bounce, bounceType: "Soft" } }, /unknown bounceType/],
      [{ ...BOUNCE, bounce: { ...BOUNCE.bounce, bouncedRecipients: [] } }, /without recipients/],
      [{ ...BOUNCE, bounce: { ...BOUNCE.bounce, bouncedRecipients: "x" } }, /bouncedRecipients/],
      [{ mail: { messageId: "m" } }, /neither notificationType nor eventType/],
    ];
    for (const [ses, reason] of malformed) {
      const events = sesEvents(of(ses));
      expect(events).toHaveLength(0);
      expect(events.reason).toMatch(reason);
    }
    const confirmation = sesEvents(subscriptionConfirmation() as unknown as SnsMessage);
    expect(confirmation).toHaveLength(0);
    expect(confirmation.reason).toMatch(/SubscriptionConfirmation/);
  });

  it("falls back on the SNS MessageId when SES gave no feedbackId", () => {
    const { feedbackId: _, ...bounce } = BOUNCE.bounce;
    const message = of({ ...BOUNCE, bounce });
    expect(sesEvents(message)[0]?.feedbackId).toBe(`sns:${message.MessageId}`);
  });
});
