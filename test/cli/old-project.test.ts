import { cp, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { type Serving, startServer } from "../../src/serve/index.ts";
import { lettre, run } from "../cli.ts";
import { builtin, FIXTURES, fixtureProject, put, read } from "../helpers.ts";

const SECRET = "old-project-secret-0123456789-abcdefghijkl";
const EDITED = "Édition locale : pied de page modifié par l'équipe.";

let serving: Serving | undefined;
afterEach(async () => {
  await serving?.close();
  serving = undefined;
});

/**
 * The archive fixture with the templates/ of a project made before the reader side existed
 * (test/fixtures/old-project), its config without `signup:` as it was then.
 */
async function oldProject() {
  const root = await fixtureProject("archive");
  await cp(path.join(FIXTURES, "old-project", "templates"), path.join(root, "templates"), {
    recursive: true,
  });
  const config = (await read(root, "lettre.config.yaml")).replace(/signup:[\s\S]*$/, "");
  await put(root, "lettre.config.yaml", config);
  return root;
}

/** The text of every .eml of the outbox, oldest name first. */
async function outbox(root: string): Promise<string[]> {
  const dir = path.join(root, "outbox");
  const names = (await readdir(dir)).sort();
  return Promise.all(names.map((name) => readFile(path.join(dir, name), "utf8")));
}

describe("a project whose templates/ predates the reader side", () => {
  it("builds, checks and sends unchanged, with its own edited footer", async () => {
    const root = await oldProject();
    const check = await run(root, "check", "--strict");
    expect(check.code, check.stderr).toBe(0);
    const built = await run(root, "build");
    expect(built.code, built.stderr).toBe(0);
    const email = await read(root, "dist/email/2025-s2.html");
    expect(email).toContain(EDITED);
    // Its own, older style sheet, not the built-in one.
    const style = "templates/archive/assets/style.css";
    expect(await read(root, `dist/archive/assets/style.css`)).toBe(await read(root, style));
    expect(await read(root, style)).not.toBe(await builtin(style));

    await put(root, "lecteurs.csv", "email\nada@example.org\nbob@example.org\n");
    expect((await run(root, "list", "import", "lecteurs", "lecteurs.csv")).code).toBe(0);
    const sent = await run(root, "send", "2025-s2", "--list", "lecteurs", "--yes");
    expect(sent.code, sent.stderr).toBe(0);
    const mails = await outbox(root);
    expect(mails).toHaveLength(2);
    for (const raw of mails) expect((await simpleParser(raw)).html).toContain(EDITED);

    const templates = await run(root, "templates");
    expect(templates.code).toBe(0);
    const status = (file: string) =>
      new RegExp(`\n {2}${file.replace(/[./]/g, "\\$&")} +([^\n]+)`).exec(templates.stdout)?.[1];
    expect(status("templates/email/partials/footer.hbs")).toBe(
      "modifié, sans trace de la version copiée : npx lettre templates diff templates/email/partials/footer.hbs",
    );
    expect(status("templates/archive/partials/site-footer.hbs")).toMatch(/^modifié, sans trace/);
    expect(status("templates/email/layout.mjml.hbs")).toBe("identique au gabarit intégré");
    // What lettre gained since is used from the built-in theme.
    expect(templates.stdout).not.toContain("reader.hbs");
    expect(templates.stdout).toContain("3 autre(s) fichier(s) du thème intégré");
  });

  it("serves: sign-up with the built-in reader pages and an ejected, edited confirmation", async () => {
    const root = await oldProject();
    // Turned on today: the project gains the reader side without copying anything but the
    // one template it wants to change.
    await put(
      root,
      "lettre.config.yaml",
      `${await read(root, "lettre.config.yaml")}signup:\n  lists:\n    - name: lecteurs\n      title: La lettre du DataLab\n`,
    );
    const ejected = await run(root, "templates", "eject", "email/confirm.mjml.hbs");
    expect(ejected.code, ejected.stderr).toBe(0);
    expect(ejected.stdout).toContain("templates/email/confirm.mjml.hbs copié de lettre");
    const confirm = await read(root, "templates/email/confirm.mjml.hbs");
    expect(confirm).toBe(await builtin("templates/email/confirm.mjml.hbs"));
    const marker = "Merci de confirmer : message de l'équipe locale.";
    await put(
      root,
      "templates/email/confirm.mjml.hbs",
      confirm.replace(
        '<mj-text>{{t "confirmEmailIntro"}}</mj-text>',
        `<mj-text>{{t "confirmEmailIntro"}}</mj-text>\n        <mj-text>${marker}</mj-text>`,
      ),
    );
    const built = await lettre(root, ["build"], { env: { LETTRE_UNSUBSCRIBE_SECRET: SECRET } })
      .done;
    expect(built.code, built.stderr).toBe(0);

    serving = await startServer({ root, port: 0, host: "127.0.0.1", secret: SECRET, lang: "fr" });
    const home = await fetch(serving.url);
    expect(home.status).toBe(200);
    const fields = new URLSearchParams({ email: "lea@example.org", list: "lecteurs" });
    const asked = await fetch(new URL("subscribe", serving.url), { method: "POST", body: fields });
    expect(asked.status).toBe(200);
    // The built-in reader page, in the shell of the project's own (old) archive layout.
    const page = await asked.text();
    expect(page).toContain("Vérifiez votre boîte de réception");
    await expect.poll(async () => (await outbox(root).catch(() => [])).length).toBe(1);
    const [raw = ""] = await outbox(root);
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe("Confirmez votre inscription à la lettre de DataLab Normandie");
    expect(mail.text).toContain(marker);
    expect(mail.html).toContain(marker);
  });
});
