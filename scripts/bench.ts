/**
 * `npm run bench`: how long an editor waits between saving an issue and the preview
 * reloading, in projects of 1 and of 200 issues, against a full build of the same project.
 * Each project is made in a temporary folder from the example issue; each figure is the
 * median of several saves (this machine is noisy: compare medians and ratios).
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { build } from "../src/pipeline/index.ts";
import { startPreview } from "../src/watch/server.ts";
import { median, project } from "./bench-project.ts";

const SIZES = (process.env.BENCH_SIZES ?? "1,200").split(",").map(Number);
const SAVES = Number(process.env.BENCH_SAVES ?? 9);

async function reloads(url: string) {
  const response = await fetch(`${url}__lettre/events`);
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return async function nextReload(): Promise<void> {
    for (;;) {
      const index = buffer.indexOf("event: reload");
      if (index >= 0) {
        buffer = buffer.slice(index + 13);
        return;
      }
      const chunk = await reader?.read();
      if (!chunk || chunk.done) throw new Error("event stream closed");
      buffer += chunk.value;
    }
  };
}

const rows: string[] = [];
for (const size of SIZES) {
  const root = await project(size);
  const started = performance.now();
  const full = await build({ root });
  const fullMs = performance.now() - started;
  if (!full.ok)
    throw new Error(`the bench project does not build: ${full.diagnostics[0]?.message}`);

  const preview = await startPreview({ root, onBuild: () => {} });
  const nextReload = await reloads(preview.url);
  const file = path.join(root, "newsletters", "lettre-001.md");
  const source = await readFile(file, "utf8");
  const times: number[] = [];
  for (let i = 0; i < SAVES; i++) {
    const saved = performance.now();
    await writeFile(file, source.replace("Assises nationales", `Assises nationales (${i})`));
    await nextReload();
    times.push(performance.now() - saved);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await preview.close();
  await rm(root, { recursive: true, force: true });
  const save = median(times);
  rows.push(
    `| ${size} | ${Math.round(fullMs)} | ${Math.round(save)} | ${Math.round(Math.min(...times))}–${Math.round(Math.max(...times))} | ${(fullMs / save).toFixed(1)}× |`,
  );
  console.error(
    `${size} issue(s): full build ${Math.round(fullMs)} ms, save → reload median ${Math.round(save)} ms`,
  );
}

console.log(`Node ${process.version}, ${SAVES} saves per size (median, min–max).

| issues | full build (ms) | save → reload event, median (ms) | min–max (ms) | full build ÷ rebuild |
| ---: | ---: | ---: | ---: | ---: |
${rows.join("\n")}`);
