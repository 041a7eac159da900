import { readFile } from "node:fs/promises";
import type { Diagnostic } from "./diagnostic.ts";
import { t } from "./i18n.ts";

/**
 * Reads a UTF-8 text file. An unreadable file or one in another encoding (Latin-1 from an
 * old Windows editor) is a diagnostic, never a crash or silently garbled text.
 */
export async function readText(
  absolute: string,
  file: string,
): Promise<{ text?: string; diagnostics: Diagnostic[] }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(absolute);
  } catch (error) {
    const detail =
      (error as NodeJS.ErrnoException).code === "EISDIR"
        ? t("is-directory")
        : String((error as Error).message);
    return {
      diagnostics: [
        {
          file,
          rule: "file-read",
          severity: "error",
          message: t("file-read", { detail }),
          cause: error,
        },
      ],
    };
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), diagnostics: [] };
  } catch {
    const text = bytes.toString("latin1");
    const bad = new TextDecoder("utf-8").decode(bytes).indexOf("\uFFFD");
    const line = bad < 0 ? 1 : text.slice(0, bad).split("\n").length;
    return {
      diagnostics: [{ file, line, rule: "encoding", severity: "error", message: t("encoding") }],
    };
  }
}
