import { spawn } from "node:child_process";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { importList } from "../../src/send/lists.ts";
import { openDatabase } from "../../src/send/store.ts";
import { fixtureProject, put, REPO, read } from "../helpers.ts";
import { startSmtp } from "./smtp.ts";

const RECIPIENTS = 2000;
const KILLS = 10;
const CONNECTIONS = 5;

/** Runs the real `lettre send` as a child process; kills it once `killAfter()` says so. */
function send(root: string, smtp: string, extra: string[], killWhen?: () => boolean) {
  const child = spawn(
    process.execPath,
    [
      path.join(REPO, "bin/lettre.js"),
      "send",
      "2025-s2",
      "--list",
      "big",
      "--yes",
      "--transport",
      smtp,
      ...extra,
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        LETTRE_UNSUBSCRIBE_SECRET: "crash-test-secret-of-at-least-32-bytes",
        LETTRE_LANG: "",
      },
    },
  );
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const timer = killWhen
    ? setInterval(() => {
        if (killWhen()) child.kill("SIGKILL");
      }, 2)
    : undefined;
  return new Promise<{ code: number | null; signal: string | null; output: string }>((resolve) =>
    child.on("exit", (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, output });
    }),
  );
}

describe("a send killed at random moments", () => {
  it(`loses nothing silently and doubles nothing silently (${RECIPIENTS} recipients, ${KILLS} SIGKILLs)`, async () => {
    const root = await fixtureProject("archive");
    const config = await read(root, "lettre.config.yaml");
    await put(
      root,
      "lettre.config.yaml",
      `${config}\nsending:\n  connections: ${CONNECTIONS}\n  rate: 1000\n`,
    );
    const db = openDatabase(root);
    const csv = [
      "email",
      ...Array.from({ length: RECIPIENTS }, (_, i) => `r${String(i).padStart(4, "0")}@exemple.fr`),
    ];
    importList(db, "big", `${csv.join("\n")}\n`, "big.csv");
    db.close();
    const server = await startSmtp({ delayMs: 2 });
    try {
      const counts = () => {
        const seen = new Map<string, number>();
        for (const r of server.received) seen.set(r.to, (seen.get(r.to) ?? 0) + 1);
        return seen;
      };
      const inFlightAtKill: number[] = [];
      for (let k = 0; k < KILLS; k++) {
        const before = server.received.length;
        const target = before + 20 + Math.floor(Math.random() * 150);
        const run = await send(root, server.url, [], () => server.received.length >= target);
        expect(run.signal, run.output).toBe("SIGKILL");
        const journal = new DatabaseSync(path.join(root, ".lettre/lettre.db"), { readOnly: true });
        inFlightAtKill.push(
          Number(
            (
              journal
                .prepare("SELECT COUNT(*) AS n FROM journal WHERE status = 'sending'")
                .get() as { n: number }
            ).n,
          ),
        );
        journal.close();
      }
      const last = await send(root, server.url, []);
      expect(last.code, last.output).toBe(0);

      const journal = new DatabaseSync(path.join(root, ".lettre/lettre.db"), { readOnly: true });
      const rows = journal.prepare("SELECT email, status FROM journal").all() as {
        email: string;
        status: string;
      }[];
      journal.close();
      const seen = counts();
      const unknown = rows.filter((r) => r.status === "unknown").map((r) => r.email);
      const lostSilently = rows.filter((r) => r.status !== "unknown" && !seen.has(r.email));
      const sentNotReceived = rows.filter((r) => r.status === "sent" && !seen.has(r.email));
      const doubledSilently = [...seen].filter(([email, n]) => n > 1 && !unknown.includes(email));
      const figures = {
        recipients: rows.length,
        received: server.received.length,
        kills: KILLS,
        inFlightAtKill,
        unknown: unknown.length,
        unknownReceived: unknown.filter((e) => seen.has(e)).length,
        lostSilently: lostSilently.length,
        doubledSilently: doubledSilently.length,
      };
      console.log(`crash test: ${JSON.stringify(figures)}`);
      expect(rows).toHaveLength(RECIPIENTS);
      expect(sentNotReceived).toEqual([]);
      expect(lostSilently).toEqual([]);
      expect(doubledSilently).toEqual([]);
      for (const n of inFlightAtKill) expect(n).toBeLessThanOrEqual(CONNECTIONS);
      expect(unknown.length).toBe(inFlightAtKill.reduce((a, b) => a + b, 0));
      expect(last.output).toContain("message(s) étaient en cours lors d'un arrêt brutal");

      // Asked explicitly, the unknown ones are sent again; only they can be doubled.
      const resend = await send(root, server.url, ["--resend-unknown"]);
      expect(resend.code, resend.output).toBe(0);
      const after = counts();
      expect(rows.filter((r) => !after.has(r.email))).toEqual([]);
      expect([...after].filter(([email, n]) => n > 1 && !unknown.includes(email))).toEqual([]);
    } finally {
      await server.close();
    }
  }, 240_000);
});
