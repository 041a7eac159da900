/**
 * `npm run bench:send`: messages per second to a loopback SMTP server (smtp-server in its own
 * process, discarding what it accepts) for N recipients, with pools of 1 and 5 connections:
 * lettre's journaled send against a plain nodemailer loop sending the same messages with no
 * journal.
 */

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import nodemailer from "nodemailer";
import { type Config, parseConfig } from "../src/config/index.ts";
import { sendIssue } from "../src/send/index.ts";
import { importList } from "../src/send/lists.ts";
import { buildMessage } from "../src/send/message.ts";
import { openDatabase } from "../src/send/store.ts";
import { createTransport } from "../src/send/transports.ts";

const N = Number(process.env.BENCH_RECIPIENTS ?? 10_000);
const config = parseConfig(`site: { name: DataLab, url: "https://lettre.example.org" }
sender: { name: DataLab, address: lettre@datalab.example.org }
`).value as Config;
const compiled = {
  slug: "bench",
  subject: "Lettre de test",
  html: `<p>Bonjour {{subscriber.firstName|à vous}}</p>${"<p>Un paragraphe de lettre.</p>".repeat(200)}<a href="{{unsubscribeUrl}}">x</a>`,
  text: `Bonjour {{subscriber.firstName|à vous}}\n${"Un paragraphe de lettre.\n".repeat(200)}{{unsubscribeUrl}}\n`,
};
const people = Array.from({ length: N }, (_, i) => ({
  email: `r${i}@exemple.fr`,
  address: `r${i}@exemple.fr`,
  fields: { firstName: `Nom${i}` },
}));

/** The sink server in a child process; `count()` asks how many messages it accepted. */
async function startSink() {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, "smtp-sink.ts")], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines: ((line: string) => void)[] = [];
  let buffer = "";
  child.stdout.on("data", (chunk) => {
    buffer += chunk;
    for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      lines.shift()?.(line);
    }
  });
  const nextLine = () => new Promise<string>((resolve) => lines.push(resolve));
  const port = Number((await nextLine()).split(" ")[1]);
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    count: async () => {
      const line = nextLine();
      child.stdin.write("count\n");
      return Number((await line).split(" ")[1]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        child.on("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

const rows: string[] = [];
for (const connections of [1, 5]) {
  // Plain nodemailer: the same messages through the same kind of pool, no journal.
  {
    const server = await startSink();
    const pool = nodemailer.createTransport({
      pool: true,
      host: "127.0.0.1",
      port: server.port,
      maxConnections: connections,
      maxMessages: Number.POSITIVE_INFINITY,
    });
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < people.length) {
          const person = people[next++];
          if (person)
            await pool.sendMail(buildMessage(compiled, person, "bench", config, "secret"));
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    pool.close();
    if ((await server.count()) !== N) throw new Error("the sink did not get every message");
    await server.close();
    rows.push(
      `| plain nodemailer loop | ${connections} | ${N} | ${seconds.toFixed(1)} | ${Math.round(N / seconds)} |`,
    );
  }
  // lettre: journal in SQLite (WAL), every message recorded before and after.
  {
    const server = await startSink();
    const root = await mkdtemp(path.join(tmpdir(), "lettre-bench-send-"));
    const db = openDatabase(root);
    importList(
      db,
      "bench",
      `email,prénom\n${people.map((p) => `${p.email},${p.fields.firstName}`).join("\n")}\n`,
      "b.csv",
    );
    const transport = createTransport(server.url, { connections, rate: 1_000_000 });
    const started = performance.now();
    await sendIssue(db, { compiled, list: "bench", config, transport, secret: "secret" });
    const seconds = (performance.now() - started) / 1000;
    if ((await server.count()) !== N) throw new Error("the sink did not get every message");
    await transport.close();
    db.close();
    await server.close();
    await rm(root, { recursive: true, force: true });
    rows.push(
      `| lettre send (journal) | ${connections} | ${N} | ${seconds.toFixed(1)} | ${Math.round(N / seconds)} |`,
    );
  }
  console.error(rows.slice(-2).join("\n"));
}
console.log(`Node ${process.version}, loopback smtp-server in its own process.

| sender | connections | messages | seconds | messages/s |
| --- | ---: | ---: | ---: | ---: |
${rows.join("\n")}`);
