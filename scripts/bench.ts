/**
 * `npm run bench`: how long an editor waits between saving an issue and the preview
 * reloading, in projects of 1 and of 200 issues, against a full build of the same project.
 * Each project is made in a temporary folder from the example issue; each figure is the
 * median of several saves (this machine is noisy: compare medians and ratios).
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "../src/pipeline/index.ts";
import { startPreview } from "../src/watch/server.ts";

const REPO = path.resolve(import.meta.dirname, "..");
const SIZES = (process.env.BENCH_SIZES ?? "1,200").split(",").map(Number);
const SAVES = Number(process.env.BENCH_SAVES ?? 9);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

async function project(size: number): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "lettre-bench-"));
  await cp(path.join(REPO, "templates"), path.join(root, "templates"), { recursive: true });
  await cp(path.join(REPO, "lettre.config.yaml"), path.join(root, "lettre.config.yaml"));
  await mkdir(path.join(root, "newsletters"));
  const example = await readFile(path.join(REPO, "newsletters/2025-s2.md"), "utf8");
  for (let i = 1; i <= size; i++) {
    const n = String(i).padStart(3, "0");
    const date = new Date(Date.UTC(2010, 0, 1 + i * 10)).toISOString().slice(0, 10);
    const issue = example
      .replace(/^title: .*$/m, `title: "Lettre ${n} : l'IA au cœur des territoires"`)
      .replace(/^date: .*$/m, `date: ${date}`)
      .replace(/^number: .*$/m, `number: ${i}`);
    await writeFile(path.join(root, "newsletters", `lettre-${n}.md`), issue);
  }
  return root;
}

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
