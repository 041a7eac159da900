/**
 * `lettre inbox`: one pass over the returns mailbox (IMAP), acting on bounces, complaints and
 * mailto unsubscribes. `lettre inbox classify <file.eml>… [--json]`: what each message is,
 * without acting (for an editor who wonders, and for tests).
 */
import path from "node:path";
import { loadConfig } from "../config/index.ts";
import { LettreError } from "../core/diagnostic.ts";
import { t } from "../core/i18n.ts";
import { printable } from "../core/terminal.ts";
import { closeDatabase, openDatabase } from "../send/store.ts";
import { chooseSecret } from "../send/token.ts";

export async function runInbox(
  root: string,
  args: string[],
  options: { json?: boolean | undefined },
): Promise<number> {
  const [action, ...files] = args;
  if (action === "classify" && files.length > 0) return classify(files, options.json === true);
  if (action !== undefined) {
    console.error(t("inbox-usage"));
    return 2;
  }
  const config = await loadConfig(root);
  if (!config.value) throw new LettreError(config.diagnostics);
  const { checkInbox, describePass, inboxPass } = await import("../inbox/imap.ts");
  checkInbox(config.value, process.env);
  // Only a secret `lettre send` could have signed links with; else mailto requests wait.
  const chosen = chooseSecret(process.env.LETTRE_UNSUBSCRIBE_SECRET, false);
  const secret = "secret" in chosen ? chosen.secret : undefined;
  if (!secret) console.error(t("inbox-no-secret"));
  const db = openDatabase(root);
  try {
    const summary = await inboxPass({ db, config: config.value, env: process.env, secret });
    console.log(describePass(summary, config.value.inbox.imap?.processed ?? ""));
    return 0;
  } finally {
    closeDatabase(db);
  }
}

async function classify(files: string[], json: boolean): Promise<number> {
  const { classifyFiles } = await import("../inbox/classify.ts");
  const results = await classifyFiles(files);
  let failed = 0;
  const out: unknown[] = [];
  for (const { file, report, error } of results) {
    if (!report) {
      failed++;
      if (json) out.push({ file, error: error ?? "" });
      else console.error(t("inbox-file-error", { file: printable(file), detail: error ?? "" }));
      continue;
    }
    if (json) {
      out.push({
        file,
        kind: report.kind,
        permanent: report.permanent,
        recipients: report.recipients,
      });
      continue;
    }
    const permanence =
      report.kind === "bounce" ? t(report.permanent ? "inbox-permanent" : "inbox-temporary") : "";
    console.log(
      t("inbox-classify-line", {
        file: printable(path.normalize(file)),
        kind: report.kind,
        permanence,
        recipients: report.recipients.length ? `  ${printable(report.recipients.join(", "))}` : "",
      }),
    );
  }
  if (json) console.log(JSON.stringify(out, null, 2));
  return failed > 0 ? 1 : 0;
}
