/**
 * Stage "watch": chokidar watches the issues (and their images), the templates and the config;
 * changes are debounced and queued so rebuilds never overlap and a burst of saves gives one
 * rebuild. Each rebuild goes through the same pipeline as `lettre build`, with a cache so
 * that only what a change touches is made and written again.
 */
import path from "node:path";
import { watch as chokidar, type FSWatcher } from "chokidar";
import { CONFIG_FILE } from "../config/index.ts";
import { CONTENT_DIR } from "../content/index.ts";
import { LettreError } from "../core/diagnostic.ts";
import { t } from "../core/i18n.ts";
import { BuildCache } from "../pipeline/cache.ts";
import { type BuildOptions, type BuildResult, build, emptyResult } from "../pipeline/index.ts";
import { TEMPLATES_DIR } from "../render/theme.ts";

export interface BuildEvent {
  result: BuildResult;
  /** Source files (relative to the root) whose change started this build; [] for the first. */
  sources: string[];
  /** Time from the first change seen to the end of the build, in milliseconds. */
  ms: number;
}

export interface WatchOptions extends Omit<BuildOptions, "cache" | "write"> {
  onBuild: (event: BuildEvent) => void;
  /** Quiet time after the last change before rebuilding. */
  debounceMs?: number;
}

export interface Watching {
  /** Resolves once the first build is done and the watcher is listening. */
  ready: Promise<void>;
  /** Stops watching; waits for a rebuild under way to finish. */
  close: () => Promise<void>;
  /** Every path the watcher looks at, relative to the root (for tests and debugging). */
  watched: () => string[];
}

export function watch(options: WatchOptions): Watching {
  const { onBuild, debounceMs = 10, ...buildOptions } = options;
  const root = path.resolve(options.root);
  const cache = new BuildCache();
  const pending = new Set<string>();
  let firstChange = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  const run = async (sources: string[], started: number) => {
    cache.invalidate(sources);
    let result: BuildResult;
    try {
      result = await build({ ...buildOptions, root, cache });
    } catch (error) {
      // The first build's failure stops `lettre dev`; a later one (the output folder gone
      // or replaced, a full disk) is shown like any failed build, and watching goes on.
      if (sources.length === 0) throw error;
      result = failedBuild(error, path.resolve(root, buildOptions.out ?? "dist"));
    }
    onBuild({ result, sources, ms: performance.now() - started });
  };

  const drain = () => {
    timer = undefined;
    if (running || closed || pending.size === 0) return;
    const sources = [...pending].sort();
    const started = firstChange;
    pending.clear();
    running = run(sources, started).finally(() => {
      running = undefined;
      if (pending.size > 0) schedule();
    });
  };

  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(drain, debounceMs);
  };

  const changed = (file: string) => {
    if (closed) return;
    if (pending.size === 0) firstChange = performance.now();
    pending.add(file.split(path.sep).join("/"));
    schedule();
  };

  let watcher: FSWatcher | undefined;
  const ready = (async () => {
    await run([], performance.now());
    // The project folder, for what is in it or comes into it: templates/ is often missing
    // (the built-in theme is used) until the editor takes a template over. chokidar given a
    // path that does not exist yet says "ready" before it has scanned the others.
    watcher = chokidar(".", {
      cwd: root,
      ignored: (file) => !watched(path.relative(root, path.resolve(root, file))),
      ignoreInitial: true,
      // A link in newsletters/ to /usr (or to any big folder) must not make lettre walk and
      // watch gigabytes: links are watched as links, never followed. The build does not
      // follow them out of the project either (core/files.ts).
      followSymlinks: false,
      // Editors write in several steps: wait until the file stops changing.
      awaitWriteFinish: { stabilityThreshold: 10, pollInterval: 5 },
    });
    // chokidar reports each link it meets during its first scan as added, despite
    // ignoreInitial: files there before "ready" were in the first build already.
    let scanned = false;
    watcher.on("add", (file) => scanned && changed(file));
    for (const event of ["change", "unlink", "unlinkDir"] as const) watcher.on(event, changed);
    await new Promise<void>((resolve) => watcher?.once("ready", () => resolve()));
    scanned = true;
  })();

  return {
    ready,
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      await ready.catch(() => undefined);
      await watcher?.close();
      await running;
    },
    watched: () =>
      Object.entries(watcher?.getWatched() ?? {}).flatMap(([dir, names]) =>
        names.map((name) => path.join(dir, name).split(path.sep).join("/")),
      ),
  };
}

/** The issues, the templates and the config: what the watcher looks at in the project. */
function watched(relative: string): boolean {
  if (relative === "") return true;
  const [first, ...rest] = relative.split(path.sep);
  if (first === CONFIG_FILE) return rest.length === 0;
  return first === CONTENT_DIR || first === TEMPLATES_DIR;
}

/** A build that threw, as a result with its problems: nothing was written. */
function failedBuild(error: unknown, outDir: string): BuildResult {
  if (error instanceof LettreError) return emptyResult(outDir, error.diagnostics);
  const detail = (error as Error)?.message;
  return emptyResult(outDir, [
    {
      file: outDir,
      rule: "internal",
      severity: "error",
      message: t("internal-error", { detail }),
      cause: error,
    },
  ]);
}
