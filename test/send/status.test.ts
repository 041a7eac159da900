import { describe, expect, it } from "vitest";
import { importList } from "../../src/send/lists.ts";
import { openDatabase } from "../../src/send/store.ts";
import { run } from "../cli.ts";
import { makeProject } from "../helpers.ts";

/** A journal as a send leaves it: one sent, two in flight (`sending`), one not yet taken. */
async function journal(runningPid?: number) {
  const root = await makeProject();
  const db = openDatabase(root);
  importList(db, "l", "email\na@exemple.fr\nb@exemple.fr\nc@exemple.fr\nd@exemple.fr\n", "l.csv");
  const row = db.prepare(
    "INSERT INTO journal (issue, list, email, status, message_id, updated) VALUES ('n1', 'l', ?, ?, ?, '2026-01-01')",
  );
  for (const [email, status] of [
    ["a@exemple.fr", "sent"],
    ["b@exemple.fr", "sending"],
    ["c@exemple.fr", "sending"],
    ["d@exemple.fr", "pending"],
  ] as const) {
    row.run(email, status, `<${email}>`);
  }
  if (runningPid !== undefined) {
    db.prepare("INSERT INTO runs (issue, list, pid, started) VALUES ('n1', 'l', ?, '')").run(
      runningPid,
    );
  }
  db.close();
  return root;
}

describe("send status and messages still `sending`", () => {
  it("shows them, in text, JSON and CSV, as left by a killed send", async () => {
    const root = await journal();
    const text = await run(root, "send", "status", "n1");
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      "liste « l » : 1 envoyé(s), 0 en échec, 0 différé(s), 0 incertain(s), 1 restant(s)\n" +
        "  2 message(s) interrompus en cours d'envoi (arrêt brutal) : reçus ou non, on ne sait pas ; la reprise les comptera incertains, « --resend-unknown » les renverra\n",
    );
    const json = JSON.parse((await run(root, "send", "status", "n1", "--json")).stdout);
    expect(json.lists[0]).toMatchObject({
      list: "l",
      sent: 1,
      sending: 2,
      pending: 1,
      running: null,
    });
    const csv = (await run(root, "send", "status", "n1", "--csv")).stdout.split("\n");
    const header = csv[0]?.split(";") ?? [];
    expect(csv[1]?.split(";")[header.indexOf("sending")]).toBe("2");
  });

  it("says they are in flight when a send is running", async () => {
    const root = await journal(process.pid);
    const text = await run(root, "send", "status", "n1", "--lang", "en");
    expect(text.stdout).toContain(
      `  2 message(s) being sent right now (a send is running, process ${process.pid})`,
    );
  });
});
