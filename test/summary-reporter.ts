import type { Reporter, SerializedError, TestModule, TestSuite } from "vitest/node";

/**
 * Prints one plain closing line, `Tests: N passed, N failed, N skipped`, that any CI log
 * reader understands (vitest's own summary is coloured and laid out for people).
 *
 * A test that was meant to run but did not, because a hook of its file or suite failed
 * (`beforeAll` could not start Chromium, say), counts as failed, not skipped; errors that
 * belong to no test (a file that does not load, an unhandled rejection) are counted on the
 * same line and listed above it. Only tests skipped on purpose (`skipIf`, `.skip`) are
 * "skipped".
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError> = [],
  ): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const outside: string[] = [];
    for (const module of testModules) {
      const suites: (TestModule | TestSuite)[] = [module, ...module.children.allSuites()];
      for (const suite of suites) {
        for (const error of suite.errors()) {
          outside.push(`${module.relativeModuleId}: ${firstLine(error)}`);
        }
      }
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed" || state === "failed") counts[state]++;
        else if (test.options.mode === "skip" || test.options.mode === "todo") counts.skipped++;
        // Meant to run, yet not run (skipped or pending): a hook or the file failed.
        else counts.failed++;
      }
    }
    for (const error of unhandledErrors) outside.push(`unhandled: ${firstLine(error)}`);
    const lines = outside.map((line) => `  error outside tests: ${line}`);
    const errors = outside.length > 0 ? `, ${outside.length} errors outside tests` : "";
    lines.push(
      `Tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${errors}`,
    );
    process.stdout.write(`\n${lines.join("\n")}\n`);
  }
}

function firstLine(error: SerializedError): string {
  return `${error.name ?? "Error"}: ${String(error.message ?? "").split("\n")[0]}`;
}
