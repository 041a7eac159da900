import { spawn } from "node:child_process";
import path from "node:path";
import { REPO } from "./helpers.ts";

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The real `lettre` command, as an editor runs it (no terminal: plain log lines), in French
 * unless `env` says otherwise. `uid`/`gid` run it as another user (root ignores file
 * permissions, an ordinary user does not).
 */
export function lettre(
  root: string,
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    uid?: number;
    gid?: number;
    onOutput?: (stdout: string, stderr: string) => void;
  } = {},
) {
  const child = spawn(process.execPath, [path.join(REPO, "bin/lettre.js"), ...args], {
    cwd: root,
    env: {
      ...process.env,
      LETTRE_LANG: "",
      LETTRE_UNSUBSCRIBE_SECRET: "reliability-test-secret-of-at-least-32-bytes",
      ...options.env,
    },
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
    options.onOutput?.(stdout, stderr);
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
    options.onOutput?.(stdout, stderr);
  });
  const done = new Promise<Run>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

export const run = (root: string, ...args: string[]) => lettre(root, args).done;
