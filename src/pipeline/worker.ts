/** A worker thread of the pipeline: compiles the MJML it is sent (see workers.ts). */
import { parentPort } from "node:worker_threads";
import { compileMjml } from "../email/compile.ts";

// mjml loaded now, before the first email arrives (messages wait in the port meanwhile).
await import("mjml");
parentPort?.on("message", async (job: { id: number; mjml: string }) => {
  parentPort?.postMessage({ id: job.id, compiled: await compileMjml(job.mjml) });
});
