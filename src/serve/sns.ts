/**
 * `POST /sns`: the endpoint an Amazon SNS topic posts SES notifications to (an HTTPS
 * subscription to the topic SES publishes bounces and complaints on).
 *
 *   SubscriptionConfirmation   verified, then confirmed by visiting its SubscribeURL
 *   Notification               verified, its SES events handed to `onEvents`; answered 200
 *                              only once `onEvents` returned (committed), 500 if it threw
 *                              (SNS delivers again; events carry a feedbackId for that)
 *   UnsubscribeConfirmation    verified, logged
 *
 * A refused signature (or certificate, topic, age) is a 403, a body that is not an SNS
 * message a 400, a certificate that cannot be fetched now a 503 (SNS retries). No rate limit:
 * SNS may post many at once. Only the topics of the config (inbox.sns.topics) are accepted:
 * anyone can have SNS sign messages of a topic of their own.
 */
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import {
  confirmSubscription,
  type SesEvent,
  SNS_TYPES,
  SnsError,
  type SnsMessage,
  type SnsOptions,
  sesEvents,
  verifySnsMessage,
} from "../inbox/sns.ts";

/** SNS messages are at most 256 KB; a little more for the JSON around them. */
export const MAX_SNS_BODY = 300 * 1024;

export interface SnsRouteDeps {
  env: NodeJS.ProcessEnv;
  /** The TopicArns accepted (config inbox.sns.topics); any other is refused (403). */
  topics: readonly string[];
  /** Records the events (suppressions, soft bounces); the answer waits for it. */
  onEvents(events: SesEvent[], message: SnsMessage): Promise<void> | void;
  log(line: string): void;
  /** Overrides of the verification (tests: a clock). */
  verify?: Omit<SnsOptions, "env">;
}

export function snsRoute(app: Hono, deps: SnsRouteDeps): void {
  // What a message says goes into the log on one line, whatever it holds.
  const log = (line: string) => deps.log(line.replace(/\p{Cc}/gu, "?").slice(0, 2000));
  const options: SnsOptions = {
    topics: deps.topics,
    ...deps.verify,
    env: deps.env,
  };
  const answer = (c: Context, status: 200 | 400 | 403 | 413 | 500 | 502 | 503, text: string) => {
    c.header("Cache-Control", "no-store");
    return c.text(text, status);
  };

  app.post(
    "/sns",
    bodyLimit({ maxSize: MAX_SNS_BODY, onError: (c) => answer(c, 413, "Payload Too Large") }),
    async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        return answer(c, 400, "Not JSON");
      }
      const type = c.req.header("x-amz-sns-message-type");
      const bodyType =
        typeof body === "object" && body !== null ? (body as { Type?: unknown }).Type : undefined;
      if (!type || !SNS_TYPES.includes(type) || type !== bodyType) {
        return answer(c, 400, "x-amz-sns-message-type does not match the message");
      }

      let message: SnsMessage;
      try {
        message = await verifySnsMessage(body, options);
      } catch (error) {
        const refused =
          error instanceof SnsError ? error : new SnsError("signature", String(error));
        log(`sns: refused (${refused.reason}): ${refused.message}`);
        if (refused.reason === "shape" || refused.reason === "version") {
          return answer(c, 400, "Not an SNS message");
        }
        if (refused.retryable) return answer(c, 503, "Try again later");
        return answer(c, 403, "Signature refused");
      }

      const topic = message.TopicArn;
      switch (message.Type) {
        case "SubscriptionConfirmation": {
          const confirmed = await confirmSubscription(message, options);
          if (!confirmed.ok) {
            log(
              `sns: subscription to ${topic} not confirmed (${confirmed.error.reason}): ${confirmed.error.message}`,
            );
            return answer(c, 502, "Subscription not confirmed");
          }
          log(`sns: subscription to ${topic} confirmed`);
          return answer(c, 200, "Confirmed");
        }
        case "UnsubscribeConfirmation":
          log(`sns: unsubscribed from ${topic}`);
          return answer(c, 200, "OK");
        case "Notification": {
          const events = sesEvents(message);
          if (events.reason) {
            log(`sns: notification ${message.MessageId} ignored: ${events.reason}`);
          }
          if (events.length > 0) {
            try {
              await deps.onEvents([...events], message);
            } catch (error) {
              log(`sns: notification ${message.MessageId} not recorded: ${String(error)}`);
              return answer(c, 500, "Not recorded, try again");
            }
          }
          return answer(c, 200, "OK");
        }
      }
    },
  );
}
