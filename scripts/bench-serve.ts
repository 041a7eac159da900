/**
 * `npm run bench:serve`: latency of `lettre serve` under one-click unsubscribe load.
 *
 * For each run: a project whose list holds BENCH_POSTS addresses (default 2,000), the real
 * `lettre serve` in its own process, and `lettre send` of an issue to that same list through
 * a loopback SMTP server (4 ms a message) running meanwhile on the same database; then one
 * one-click POST (RFC 8058) per address, BENCH_CONCURRENCY (default 50) at a time. Prints,
 * per run, the answers, p50/p90/p99/max latency and POSTs per second; then checks every 200
 * against the database. BENCH_RUNS (default 3) runs; medians at the end.
 */
import { rm } from "node:fs/promises";
import { startSmtp } from "../test/send/smtp.ts";
import {
  freePort,
  lettre,
  loadProject,
  oneClicks,
  percentile,
  startServe,
  unsubscribedIn,
} from "../test/serve/load.ts";

const POSTS = Number(process.env.BENCH_POSTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const median = (values: number[]) => percentile(values, 50);
const rows: { p50: number; p99: number; rate: number }[] = [];
for (let run = 1; run <= RUNS; run++) {
  const smtp = await startSmtp({ delayMs: 4 });
  const { root, addresses } = await loadProject(smtp.url, { l: POSTS });
  const serving = await startServe(root, await freePort());
  const send = lettre(root, ["send", "2025-s2", "--list", "l", "--yes"]).done;
  while (smtp.received.length < 20) await new Promise((resolve) => setTimeout(resolve, 20));
  const started = performance.now();
  const shots = await oneClicks(serving.url, "l", addresses.l ?? [], CONCURRENCY);
  const seconds = (performance.now() - started) / 1000;
  const sentDuring = smtp.received.length;
  const sent = await send;
  serving.child.kill("SIGTERM");
  await serving.done;
  const ok = shots.filter((s) => s.status === 200);
  const stored = unsubscribedIn(root, "l");
  const missing = ok.filter((s) => !stored.has(s.email)).length;
  const ms = ok.map((s) => s.ms);
  const row = { p50: percentile(ms, 50), p99: percentile(ms, 99), rate: shots.length / seconds };
  rows.push(row);
  console.log(
    `run ${run}: ${shots.length} POSTs, ${ok.length} × 200, ${shots.length - ok.length} other, ` +
      `${missing} acknowledged but not stored; latency p50 ${row.p50.toFixed(1)} ms, ` +
      `p90 ${percentile(ms, 90).toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms, ` +
      `max ${percentile(ms, 100).toFixed(1)} ms; ${row.rate.toFixed(0)} POSTs/s; ` +
      `send: exit ${sent.code}, ${sentDuring} messages during the load, ${smtp.received.length} in all`,
  );
  await smtp.close();
  await rm(root, { recursive: true, force: true });
}
console.log(
  `median of ${RUNS}: p50 ${median(rows.map((r) => r.p50)).toFixed(1)} ms, ` +
    `p99 ${median(rows.map((r) => r.p99)).toFixed(1)} ms, ` +
    `${median(rows.map((r) => r.rate)).toFixed(0)} POSTs/s`,
);
