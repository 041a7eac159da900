import { expect } from "vitest";
import { lettre } from "../cli.ts";
import { put, read } from "../helpers.ts";

/**
 * Makes the project at `root` (the archive fixture) a reader-side one, built: served at its
 * own site.url `http://127.0.0.1:<port>` (so that the forms of the built pages post to the
 * server), two lists readers may join (so that the form shows its boxes), confirmations
 * through the SMTP server at `smtpUrl`. `extra` goes under `signup:`.
 */
export async function readerProject(
  root: string,
  port: number,
  smtpUrl: string,
  secret: string,
  extra = "",
): Promise<void> {
  const config = (await read(root, "lettre.config.yaml"))
    .replace(/url: https:\/\/lettre\.datalab-normandie\.fr/, `url: http://127.0.0.1:${port}`)
    .replace(/signup:[\s\S]*$/, "");
  await put(
    root,
    "lettre.config.yaml",
    `${config.trimEnd()}
sending:
  transport: ${smtpUrl}
  rate: 1000
signup:
  lists:
    - name: lecteurs
      title: La lettre du DataLab
    - name: agenda
      title: L'agenda des événements
${extra}`,
  );
  const built = await lettre(root, ["build"], { env: { LETTRE_UNSUBSCRIBE_SECRET: secret } }).done;
  expect(built.code, built.stderr).toBe(0);
}
