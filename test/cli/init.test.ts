import { chmod, mkdir, mkdtemp, readdir, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { lettreSpec } from "../../src/cli/init.ts";
import { lettre, run } from "../cli.ts";
import { put, REPO, read } from "../helpers.ts";

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** An empty folder to run `lettre init` in. */
async function folder(): Promise<string> {
  const dir = await realpath(await mkdtemp(path.join(tmpdir(), "lettre-init-")));
  made.push(dir);
  return dir;
}

/** Every file under `dir`, relative to it, sorted. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

const month = new Date().toISOString().slice(0, 7);

describe("lettre init", () => {
  it("--yes writes a project that checks strictly and builds, and says what to do next", async () => {
    const parent = await folder();
    const made = await run(parent, "init", "lettre-ia", "--yes");
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain("projet de la lettre « Ma lettre » créé dans lettre-ia");
    expect(made.stdout).toContain("cd lettre-ia && npm install && npx lettre build");
    const root = path.join(parent, "lettre-ia");
    expect(await files(root)).toEqual([
      ".gitignore",
      "README.md",
      "lettre.config.yaml",
      `newsletters/${month}.md`,
      "newsletters/images/couverture.png",
      "package.json",
    ]);
    const manifest = JSON.parse(await read(root, "package.json"));
    expect(manifest).toMatchObject({
      name: "lettre-ia",
      private: true,
      dependencies: {
        // Run from lettre's own checkout: the project installs that folder.
        lettre: `file:${path.relative(root, REPO)}`,
        node: JSON.parse(await read(REPO, "package.json")).dependencies.node,
      },
      allowScripts: { node: true },
    });
    expect(parse(await read(root, "lettre.config.yaml"))).toMatchObject({
      site: { name: "Ma lettre", url: "https://lettre-ia.example.org" },
      lang: "fr",
      sender: { name: "Ma lettre", address: "lettre@lettre-ia.example.org" },
    });
    expect(await read(root, ".gitignore")).toMatch(/^dist\/$/m);
    expect(await read(root, ".gitignore")).toMatch(/^\.lettre\/$/m);
    expect(await read(root, ".gitignore")).toMatch(/^outbox\/$/m);
    const readme = await read(root, "README.md");
    expect(readme).toMatch(/^# Ma lettre$/m);
    expect(readme).toContain("npx lettre dev");
    expect(readme).toContain(`npx lettre send ${month} --list abonnes`);
    // Nothing about lettre's own development.
    expect(readme).not.toMatch(/npm test|vitest|src\//);

    const check = await run(root, "check", "--strict");
    expect(check.code, check.stderr).toBe(0);
    expect(check.stderr).toBe("");
    const built = await run(root, "build");
    expect(built.code, built.stderr).toBe(0);
    const email = await read(root, `dist/email/${month}.html`);
    expect(email).toContain("Premier numéro de Ma lettre");
    expect(email).toContain(`https://lettre-ia.example.org/${month}/images/couverture.png`);
    expect(await readdir(path.join(root, `dist/archive/${month}/images`))).toEqual([
      "couverture.png",
    ]);
  });

  it("asks, in English when asked to, and takes answers piped in", async () => {
    const parent = await folder();
    const asked = lettre(parent, ["init", "news"]);
    asked.child.stdin.end("en\nLettre IA : « data » & co\nhttps://lettre-ia.example.org\n\n");
    const done = await asked.done;
    expect(done.code, done.stderr).toBe(0);
    // Each question with its default; the sender's address from the public address.
    expect(done.stderr).toContain(
      "Name of the newsletter (at the top of every email)? [My newsletter]",
    );
    expect(done.stderr).toContain("Sender's name? [Lettre IA : « data » & co]");
    expect(done.stderr).toContain("Sender's email address? [lettre@lettre-ia.example.org]");
    expect(done.stdout).toContain("project of the newsletter “Lettre IA : « data » & co” created");
    const root = path.join(parent, "news");
    expect(parse(await read(root, "lettre.config.yaml"))).toMatchObject({
      site: { name: "Lettre IA : « data » & co", url: "https://lettre-ia.example.org" },
      lang: "en",
      sender: { name: "Lettre IA : « data » & co", address: "lettre@lettre-ia.example.org" },
    });
    expect(await read(root, "README.md")).toContain("## Writing an issue");
    expect(await files(root)).toContain("newsletters/images/cover.png");
    const built = await run(root, "build");
    expect(built.code, built.stderr).toBe(0);
    expect(await read(root, `dist/email/${month}.html`)).toContain(
      "First issue of Lettre IA : « data » &amp; co",
    );
  });

  it("takes flags for scripts, and refuses a wrong one with the config's own message", async () => {
    const parent = await folder();
    const wrong = await run(parent, "init", "x", "--yes", "--url", "ftp://x");
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--url: « ftp://x » n'est pas une adresse web");
    const address = await run(parent, "init", "x", "--yes", "--sender-address", "Moi <a@b.fr>");
    expect(address.code).toBe(2);
    expect(address.stderr).toContain("--sender-address:");
    expect(await readdir(parent)).toEqual([]);

    const flags = await run(
      parent,
      ...["init", "x", "--yes", "--lang", "en", "--name", "DataLab Bretagne"],
      ...["--url", "https://lettre.datalab-bretagne.fr/", "--sender-name", "L'équipe"],
      ...["--sender-address", "equipe@datalab-bretagne.fr"],
    );
    expect(flags.code, flags.stderr).toBe(0);
    expect(parse(await read(path.join(parent, "x"), "lettre.config.yaml"))).toMatchObject({
      site: { name: "DataLab Bretagne", url: "https://lettre.datalab-bretagne.fr" },
      lang: "en",
      sender: { name: "L'équipe", address: "equipe@datalab-bretagne.fr" },
    });
  });

  it("refuses a folder that is not empty, and with --force never overwrites a file", async () => {
    const root = await folder();
    await put(root, "README.md", "Mon propre README\n");
    await mkdir(path.join(root, ".git"));
    const refused = await run(root, "init", ".", "--yes");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("le dossier . n'est pas vide (1 élément(s))");
    expect(await files(root)).toEqual(["README.md"]);

    await writeFile(path.join(root, "package.json"), '{ "name": "mine" }\n');
    const forced = await run(root, "init", ".", "--yes", "--force");
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain("README.md existe déjà : gardé tel quel");
    expect(forced.stderr).toContain("votre package.json est gardé : ajoutez-y");
    expect(await read(root, "README.md")).toBe("Mon propre README\n");
    expect(await read(root, "package.json")).toBe('{ "name": "mine" }\n');
    expect(await files(root)).toContain("lettre.config.yaml");
    // In the folder itself: no `cd`.
    expect(forced.stdout).toContain("\n  npm install && npx lettre build");
  });

  it("says a folder it may not write in, without a stack trace", async () => {
    const parent = await folder();
    await chmod(parent, 0o555);
    const denied = await lettre(parent, ["init", "x", "--yes"], { unprivileged: true }).done;
    await chmod(parent, 0o755);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toBe(
      "x/package.json ne peut pas être écrit (EACCES) : vérifiez que vous pouvez écrire dans ce dossier et qu'il reste de la place ; les fichiers déjà écrits restent\n",
    );
  });

  it("depends on lettre as it was installed: a tarball or folder made relative, else as given", async () => {
    const installer = await folder();
    const pkg = path.join(installer, "node_modules", "lettre");
    await mkdir(pkg, { recursive: true });
    const target = path.join(installer, "projets", "lettre-ia");
    const spec = async (lettre: string) => {
      await put(installer, "package.json", JSON.stringify({ dependencies: { lettre } }));
      return lettreSpec(target, "0.1.0", pkg);
    };
    expect(await spec("file:lettre-0.1.0.tgz")).toBe("file:../../lettre-0.1.0.tgz");
    expect(await spec("file:/opt/lettre-0.1.0.tgz")).toBe(
      `file:${path.relative(target, "/opt/lettre-0.1.0.tgz")}`,
    );
    expect(await spec("git+https://example.org/lettre.git#v0.1.0")).toBe(
      "git+https://example.org/lettre.git#v0.1.0",
    );
    expect(await spec("^0.1.0")).toBe("^0.1.0");
    expect(lettreSpec(path.join(installer, "x"), "0.1.0", REPO)).toBe(
      `file:${path.relative(path.join(installer, "x"), REPO)}`,
    );
  });
});
