import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { REPO } from "./helpers.ts";

/**
 * Root ignores file permissions. To see what an ordinary user would, a test runs the command
 * as root without the capabilities that override them (CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH, dropped by util-linux's setpriv): the repository stays reachable even
 * when it lives in a folder only root may enter (/root, mktemp -d), which "nobody" could not
 * cross. Where setpriv cannot drop them, the command runs as "nobody" instead.
 */
const DROP = ["--bounding-set=-dac_override,-dac_read_search", "--"];
const setprivWorks =
  process.getuid?.() === 0 && spawnSync("setpriv", [...DROP, "true"]).status === 0;

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The real `lettre` command, as an editor runs it (no terminal: plain log lines), in French
 * unless `env` says otherwise. `unprivileged` makes file permissions count when the tests run
 * as root (see DROP).
 */
export function lettre(
  root: string,
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    unprivileged?: boolean;
    onOutput?: (stdout: string, stderr: string) => void;
  } = {},
) {
  const command = [process.execPath, path.join(REPO, "bin/lettre.js"), ...args];
  const asRoot = options.unprivileged && process.getuid?.() === 0;
  const asNobody = asRoot && !setprivWorks;
  const [file = "", ...rest] = asRoot && setprivWorks ? ["setpriv", ...DROP, ...command] : command;
  const child = spawn(file, rest, {
    cwd: root,
    env: {
      ...process.env,
      LETTRE_LANG: "",
      LETTRE_UNSUBSCRIBE_SECRET: "reliability-test-secret-of-at-least-32-bytes",
      ...options.env,
    },
    ...(asNobody ? { uid: 65534, gid: 65534 } : {}),
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
