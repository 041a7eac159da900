import { execFile } from "node:child_process";
import { symlink } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { makeProject, put, REPO } from "./helpers.ts";

const run = promisify(execFile);

/** Runs the real vitest, with our closing-line reporter, on the test files of a temporary folder. */
async function vitest(files: Record<string, string>): Promise<string> {
  const root = await makeProject(files);
  await symlink(path.join(REPO, "node_modules"), path.join(root, "node_modules"), "dir");
  const reporter = path.join(REPO, "test", "summary-reporter.ts");
  await put(
    root,
    "vitest.config.ts",
    `import { defineConfig } from "vitest/config";
import SummaryReporter from ${JSON.stringify(reporter)};
export default defineConfig({ test: { include: ["*.test.ts"], reporters: [new SummaryReporter()] } });
`,
  );
  const vitestBin = path.join(REPO, "node_modules", "vitest", "vitest.mjs");
  try {
    const { stdout } = await run(process.execPath, [vitestBin, "run"], { cwd: root });
    return stdout;
  } catch (error) {
    return (error as { stdout: string }).stdout;
  }
}

describe("the closing line of npm test", () => {
  it("counts tests whose beforeAll failed as failed, not skipped, and errors outside tests", async () => {
    const stdout = await vitest({
      "hook.test.ts": `import { beforeAll, describe, it, expect } from "vitest";
describe("a browser suite", () => {
  beforeAll(() => { throw new Error("Failed to launch chromium"); });
  it("one", () => expect(1).toBe(1));
  it("two", () => expect(1).toBe(1));
});
`,
      "broken.test.ts": `import "./does-not-exist.ts";\n`,
      "fine.test.ts": `import { describe, it, expect } from "vitest";
describe("fine", () => {
  it("passes", () => expect(1).toBe(1));
  it.skip("is skipped on purpose", () => expect(1).toBe(2));
  it.skipIf(true)("is skipped where it cannot run", () => expect(1).toBe(2));
});
`,
    });
    const last = stdout.trim().split("\n").at(-1);
    expect(last).toBe("Tests: 1 passed, 2 failed, 2 skipped, 2 errors outside tests");
    expect(stdout).toContain("error outside tests: hook.test.ts: Error: Failed to launch chromium");
    expect(stdout).toContain("error outside tests: broken.test.ts:");
  }, 60_000);

  it("says 0 failed only when everything ran", async () => {
    const stdout = await vitest({
      "fine.test.ts": `import { it, expect } from "vitest";\nit("passes", () => expect(1).toBe(1));\n`,
    });
    expect(stdout.trim().split("\n").at(-1)).toBe("Tests: 1 passed, 0 failed, 0 skipped");
  }, 60_000);
});
