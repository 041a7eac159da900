import type { ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../src/send/store.ts";
import { startSmtp } from "../send/smtp.ts";
import {
  freePort,
  lettre,
  loadProject,
  oneClicks,
  type Shot,
  startServe,
  unsubscribedIn,
} from "./load.ts";

const SENT = 2000;
const KILLED = 1500;

let smtp: Awaited<ReturnType<typeof startSmtp>>;
let root: string;
let addresses: Record<string, string[]>;
const servers: { child: ChildProcess }[] = [];

beforeAll(async () => {
  // Each message takes a few ms: the send lasts as long as the load.
  smtp = await startSmtp({ delayMs: 4 });
  ({ root, addresses } = await loadProject(smtp.url, { l: SENT, k: KILLED }));
}, 60_000);

afterAll(async () => {
  for (const { child } of servers) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  }
  await smtp.close();
  await rm(root, { recursive: true, force: true });
});

describe("lettre serve under load", () => {
  it("acknowledges 2,000 one-click POSTs, 50 at a time, during a send, each one in the database", async () => {
    const serving = await startServe(root, await freePort());
    servers.push(serving);
    const send = lettre(root, ["send", "2025-s2", "--list", "l", "--yes"]).done;
    await expect.poll(() => smtp.received.length, { timeout: 20_000 }).toBeGreaterThan(20);
    const emails = addresses.l ?? [];
    const shots = await oneClicks(serving.url, "l", emails, 50);
    const sent = await send;
    expect(sent.code, sent.stderr).toBe(0);
    expect(shots).toHaveLength(SENT);
    const failed = shots.filter((s) => s.status !== 200);
    expect(failed, JSON.stringify(failed.slice(0, 3))).toEqual([]);
    const unsubscribed = unsubscribedIn(root, "l");
    expect(emails.filter((email) => !unsubscribed.has(email))).toEqual([]);
    // The send overlapped the load: it sent to some, and to nobody after their unsubscribe
    // was acknowledged (claimRecipient checks the status at each message).
    expect(smtp.received.length).toBeGreaterThan(20);
    expect(smtp.received.length).toBeLessThan(SENT);
    serving.child.kill("SIGTERM");
  }, 120_000);

  it("loses no acknowledged unsubscribe when killed with SIGKILL mid-load", async () => {
    const port = await freePort();
    const serving = await startServe(root, port);
    servers.push(serving);
    const acknowledged: string[] = [];
    const emails = addresses.k ?? [];
    const shots = await oneClicks(serving.url, "k", emails, 50, (shot: Shot) => {
      if (shot.status === 200) acknowledged.push(shot.email);
      if (acknowledged.length === 400) serving.child.kill("SIGKILL");
    });
    expect((await serving.done).signal).toBe("SIGKILL");
    expect(acknowledged.length).toBeGreaterThanOrEqual(400);
    // Some were cut off by the kill: not acknowledged, so not promised.
    expect(shots.some((s) => s.status === "error")).toBe(true);

    const restarted = await startServe(root, port);
    servers.push(restarted);
    const unsubscribed = unsubscribedIn(root, "k");
    expect(acknowledged.filter((email) => !unsubscribed.has(email))).toEqual([]);
    const db = openDatabase(root);
    try {
      expect(db.prepare("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    } finally {
      closeDatabase(db);
    }
    // And it answers again.
    const again = await oneClicks(restarted.url, "k", emails.slice(-5), 5);
    expect(again.map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
    restarted.child.kill("SIGTERM");
  }, 120_000);
});
