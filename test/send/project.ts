import { importList } from "../../src/send/lists.ts";
import { openDatabase } from "../../src/send/store.ts";
import { fixtureProject, put, read } from "../helpers.ts";

/**
 * The archive fixture with a list `l` of `recipients` addresses (p0@exemple.fr…), sending
 * through `connections` SMTP connections with no rate limit to speak of.
 */
export async function sendingProject(recipients: number, connections: number) {
  const root = await fixtureProject("archive");
  const config = await read(root, "lettre.config.yaml");
  await put(
    root,
    "lettre.config.yaml",
    `${config.trimEnd()}\nsending:\n  connections: ${connections}\n  rate: 1000\n`,
  );
  const emails = Array.from({ length: recipients }, (_, i) => `p${i}@exemple.fr`);
  const db = openDatabase(root);
  importList(db, "l", `email\n${emails.join("\n")}\n`, "l.csv");
  db.close();
  return { root, emails };
}
