import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Config, parseConfig } from "../../src/config/index.ts";
import { sendIssue } from "../../src/send/index.ts";
import { importList } from "../../src/send/lists.ts";
import { openDatabase } from "../../src/send/store.ts";
import { createTransport } from "../../src/send/transports.ts";

const config = parseConfig(`site: { name: DataLab, url: "https://lettre.example.org" }
sender: { name: DataLab, address: lettre@datalab.example.org }
`).value as Config;
const compiled = { slug: "s", subject: "Sujet", html: "<p>Bonjour</p>", text: "Bonjour" };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(onSocket: (socket: Socket) => void) {
  const server: Server = createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { server, port };
}

/** Sends to one address through SES at `endpoint`; returns the journal row and the run. */
async function sendThrough(endpoint: string) {
  const root = await mkdtemp(path.join(tmpdir(), "lettre-ses-down-"));
  const db = openDatabase(root);
  cleanups.push(async () => {
    db.close();
    await rm(root, { recursive: true, force: true });
  });
  importList(db, "l", "email\nmarie@exemple.fr\n", "l.csv");
  process.env.AWS_ACCESS_KEY_ID ??= "test-key";
  process.env.AWS_SECRET_ACCESS_KEY ??= "test-secret";
  const transport = createTransport("ses://eu-west-3", {
    connections: 1,
    rate: 10,
    env: { LETTRE_SES_ENDPOINT: endpoint },
  });
  const result = await sendIssue(db, {
    compiled,
    list: "l",
    config,
    transport,
    secret: "x",
    retry: { baseMs: 10, capMs: 20, maxAttempts: 3 },
  });
  await transport.close();
  const row = db.prepare("SELECT status, attempts, response FROM journal").get();
  return { row, run: result.run };
}

describe("SES out of reach", () => {
  it("a refused connection is not ambiguous: retried, then deferred (exit 1), never unknown", async () => {
    // A port nobody listens on: the connection is refused, SES never saw the message.
    const { server, port } = await listen(() => {});
    await new Promise((resolve) => server.close(resolve));
    const { row, run } = await sendThrough(`http://127.0.0.1:${port}`);
    expect(row).toMatchObject({ status: "deferred", attempts: 3 });
    expect(String(row?.response)).toContain("ECONNREFUSED");
    // run.deferred > 0 is what makes `lettre send` exit 1 (src/cli/send.ts).
    expect(run).toMatchObject({ deferred: 1, unknown: 0, sent: 0 });
  });

  it("a reset after the request went out stays unknown: SES may have the message", async () => {
    const { server, port } = await listen((socket) => socket.on("data", () => socket.destroy()));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { row, run } = await sendThrough(`http://127.0.0.1:${port}`);
    expect(row).toMatchObject({ status: "unknown", attempts: 1 });
    expect(run).toMatchObject({ unknown: 1, deferred: 0 });
  });
});
