/**
 * Compiling MJML is the largest part of a build: a full build hands it to worker threads
 * while the main thread renders the next issues and the archive, which is as much work
 * again (BENCHMARKS.md): one worker per core but the main thread's. Each worker loads mjml
 * once (about 0.7 s), so a pool is started only for builds with several emails to compile.
 * `LETTRE_WORKERS` sets the number of threads (0: compile in the main thread).
 */
import { availableParallelism } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { type Compiled, compileMjml } from "../email/compile.ts";

/** Fewer emails to compile than this: the main thread does it (a worker costs its start). */
export const POOL_THRESHOLD = 4;

export function workerCount(): number {
  const set = Number.parseInt(process.env.LETTRE_WORKERS ?? "", 10);
  return Number.isInteger(set) && set >= 0 ? Math.min(set, 16) : availableParallelism() - 1;
}

interface Job {
  mjml: string;
  resolve: (compiled: Compiled) => void;
}

export class CompilePool {
  private readonly workers: { worker: Worker; jobs: Map<number, Job> }[] = [];
  private next = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.start();
  }

  private start(): void {
    // worker.ts in the repository, worker.js in the package (compiled).
    const worker = new Worker(new URL(`./worker${path.extname(import.meta.url)}`, import.meta.url));
    const slot = { worker, jobs: new Map<number, Job>() };
    worker.on("message", (message: { id: number; compiled: Compiled }) => {
      slot.jobs.get(message.id)?.resolve(message.compiled);
      slot.jobs.delete(message.id);
    });
    // A worker that dies (out of memory, a bug): its emails are compiled here instead.
    const orphan = () => {
      const index = this.workers.indexOf(slot);
      if (index >= 0) this.workers.splice(index, 1);
      for (const job of slot.jobs.values()) compileMjml(job.mjml).then(job.resolve);
      slot.jobs.clear();
    };
    worker.once("error", orphan);
    worker.once("exit", orphan);
    this.workers.push(slot);
  }

  /** Compiles in the least busy worker (in this thread when none is left). */
  compile = (mjml: string): Promise<Compiled> => {
    const slot = this.workers.reduce<(typeof this.workers)[number] | undefined>(
      (best, w) => (!best || w.jobs.size < best.jobs.size ? w : best),
      undefined,
    );
    if (!slot) return compileMjml(mjml);
    const id = this.next++;
    return new Promise((resolve) => {
      slot.jobs.set(id, { mjml, resolve });
      slot.worker.postMessage({ id, mjml });
    });
  };

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map(({ worker }) => worker.terminate()));
  }
}
