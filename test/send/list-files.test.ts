import { execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { mkdir, readFile, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_LIST_BYTES } from "../../src/send/lists.ts";
import { lettre, type Run } from "../cli.ts";
import { makeProject, put, REPO, withoutRecords } from "../helpers.ts";

const ESC = "\x1b";

/** The real command, killed if it has not ended after `ms` (a read that never ends). */
async function bounded(root: string, args: string[], ms = 20_000): Promise<Run> {
  const running = lettre(root, args);
  const guard = setTimeout(() => running.child.kill("SIGKILL"), ms);
  try {
    return await running.done;
  } finally {
    clearTimeout(guard);
  }
}

/** The real command with its output redirected to `file`, as `> file` does. */
async function toFile(root: string, args: string[], file: string): Promise<number | null> {
  const fd = openSync(file, "w");
  try {
    const child = spawn(process.execPath, [path.join(REPO, "bin/lettre.js"), ...args], {
      cwd: root,
      env: { ...process.env, LETTRE_LANG: "" },
      stdio: ["ignore", fd, "ignore"],
    });
    return await new Promise((resolve) => child.on("close", resolve));
  } finally {
    closeSync(fd);
  }
}

describe("list import: column names", () => {
  it("constructor, __proto__, toString are ordinary columns, not Object's own", async () => {
    const root = await makeProject();
    await put(
      root,
      "abonnes.csv",
      "email;constructor;__proto__;toString;prénom\na@exemple.fr;Bâtisseur;P;T;Anne\nb@exemple.fr;;;;Bruno\n",
    );
    const imported = await lettre(root, ["list", "import", "l", "abonnes.csv"]).done;
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain("liste « l » : 2 ajoutée(s)");
    const shown = await lettre(root, ["list", "show", "l"]).done;
    expect(shown.stdout).toContain("a@exemple.fr  (Bâtisseur, P, T, Anne)");
    // b has none of them: the export leaves them empty (never Object's constructor).
    const exported = await lettre(root, ["list", "export", "l"]).done;
    expect(exported.code, exported.stderr).toBe(0);
    expect(withoutRecords(exported.stdout)).toBe(
      "\uFEFFemail;constructor;firstName;proto;tostring;status\r\n" +
        "a@exemple.fr;Bâtisseur;Anne;P;T;subscribed\r\n" +
        "b@exemple.fr;;Bruno;;;subscribed\r\n",
    );
  });
});

describe("list import: what is not a list is refused before reading", () => {
  it("a device, a pipe, a folder, a file over the limit: said at once, nothing imported", async () => {
    const root = await makeProject();
    const zero = await bounded(root, ["list", "import", "l", "/dev/zero"]);
    expect(zero.code, zero.stderr).toBe(1);
    expect(zero.stderr).toContain(
      "/dev/zero: ce n'est pas un fichier ordinaire (périphérique comme /dev/zero, tube, prise…) : lettre ne lit une liste que depuis un fichier CSV",
    );
    execFileSync("mkfifo", [path.join(root, "tube.csv")]);
    const fifo = await bounded(root, ["list", "import", "l", "tube.csv"]);
    expect(fifo.code, fifo.stderr).toBe(1);
    expect(fifo.stderr).toContain("tube.csv: ce n'est pas un fichier ordinaire");
    await mkdir(path.join(root, "dossier.csv"));
    const folder = await bounded(root, ["list", "import", "l", "dossier.csv"]);
    expect(folder.stderr).toContain(
      "dossier.csv: lecture impossible : c'est un dossier, pas un fichier",
    );

    // One byte over 50 MB (a sparse file: nothing is written, nothing must be read).
    const big = path.join(root, "enorme.csv");
    await writeFile(big, "email\n");
    await truncate(big, MAX_LIST_BYTES + 1);
    const tooBig = await bounded(root, ["list", "import", "l", "enorme.csv"]);
    expect(tooBig.code, tooBig.stderr).toBe(1);
    expect(tooBig.stderr).toContain(
      "enorme.csv: fichier de 50 Mo, au-delà de la limite de 50 Mo (environ 500 000 abonnés)",
    );
    expect(tooBig.stderr).not.toContain("erreur interne");
    const none = await lettre(root, ["list", "show", "l"]).done;
    expect(none.stderr).toContain("aucune liste");
  }, 120_000);
});

describe("list export, then import again", () => {
  it("the status column lettre writes is not imported: one status column, suppressions kept", async () => {
    const root = await makeProject();
    await put(root, "abonnes.csv", "email;prénom\na@exemple.fr;Anne\nb@exemple.fr;Bruno\n");
    expect((await lettre(root, ["list", "import", "l", "abonnes.csv"]).done).code).toBe(0);
    expect((await lettre(root, ["list", "unsubscribe", "b@exemple.fr"]).done).code).toBe(0);
    const first = path.join(root, "export.csv");
    expect(await toFile(root, ["list", "export", "l"], first)).toBe(0);

    const again = await lettre(root, ["list", "import", "l", "export.csv"]).done;
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(
      "colonne(s) « status, source, signed_up, confirmed, consent_page, consent_text, ip, history » ignorée(s) : lettre list export les écrit",
    );
    const copy = await lettre(root, ["list", "import", "copie", "export.csv"]).done;
    expect(copy.stdout).toContain("1 adresse(s) désinscrite(s) ou en erreur restent exclues");

    const second = await lettre(root, ["list", "export", "l"]).done;
    expect(withoutRecords(second.stdout)).toBe(
      "\uFEFFemail;firstName;status\r\na@exemple.fr;Anne;subscribed\r\nb@exemple.fr;Bruno;unsubscribed\r\n",
    );
    expect(second.stdout).toBe(await readFile(first, "utf8"));
  });
});

describe("list export: data to a file, visible signs elsewhere", () => {
  const names = 'email;prénom;commune\neve@exemple.fr;"\x1b]0;pwned\x07Ève";"Caen\nCalvados"\n';

  it("to a file (redirected or named), exact; through a pipe, nothing a terminal obeys", async () => {
    const root = await makeProject();
    await put(root, "abonnes.csv", names);
    expect((await lettre(root, ["list", "import", "l", "abonnes.csv"]).done).code).toBe(0);
    const exact =
      '\uFEFFemail;commune;firstName;status\r\neve@exemple.fr;"Caen\nCalvados";"\x1b]0;pwned\x07Ève";subscribed\r\n';

    const redirected = path.join(root, "redirige.csv");
    expect(await toFile(root, ["list", "export", "l"], redirected)).toBe(0);
    expect(withoutRecords(await readFile(redirected, "utf8"))).toBe(exact);

    const named = await lettre(root, ["list", "export", "l", "nomme.csv"]).done;
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toBe("liste « l » : 1 adresse(s) écrite(s) dans nomme.csv\n");
    expect(withoutRecords(await readFile(path.join(root, "nomme.csv"), "utf8"))).toBe(exact);

    // A pipe (| less, | head) may end on a terminal: signs instead of escapes, the CSV whole.
    const piped = await lettre(root, ["list", "export", "l"]).done;
    expect(piped.stdout).not.toContain(ESC);
    expect(withoutRecords(piped.stdout)).toBe(
      '\uFEFFemail;commune;firstName;status\r\neve@exemple.fr;"Caen\nCalvados";"␛]0;pwned␇Ève";subscribed\r\n',
    );
  });

  it.skipIf(!existsSync("/usr/bin/script"))(
    "on a terminal, one subscriber a line, shown like list show",
    async () => {
      const root = await makeProject();
      await put(root, "abonnes.csv", names);
      expect((await lettre(root, ["list", "import", "l", "abonnes.csv"]).done).code).toBe(0);
      const command = `${process.execPath} ${path.join(REPO, "bin/lettre.js")} list export l`;
      const output = execFileSync("/usr/bin/script", ["-qec", command, "/dev/null"], {
        cwd: root,
        env: { ...process.env, LETTRE_LANG: "" },
        encoding: "utf8",
      });
      expect(output).not.toContain(ESC);
      expect(output).toContain('eve@exemple.fr;"Caen␊Calvados";"␛]0;pwned␇Ève";subscribed');
    },
  );

  it("to a reader that stops early, quietly; to a full disk, said, exit 1: never a stack trace", async () => {
    const root = await makeProject();
    const rows = Array.from({ length: 5000 }, (_, i) => `p${i}@exemple.fr;Prénom ${i}`).join("\n");
    await put(root, "abonnes.csv", `email;prénom\n${rows}\n`);
    expect((await lettre(root, ["list", "import", "l", "abonnes.csv"]).done).code).toBe(0);
    const command = `${process.execPath} ${path.join(REPO, "bin/lettre.js")} list export l`;
    const env = { ...process.env, LETTRE_LANG: "" };
    // `| head -c 10`: the reader leaves after 10 bytes of 150 KB.
    const head = spawn(
      "bash",
      ["-c", `${command} 2>err.txt | head -c 10 >/dev/null; echo \${PIPESTATUS[0]}`],
      {
        cwd: root,
        env,
      },
    );
    let status = "";
    head.stdout.on("data", (chunk) => {
      status += chunk;
    });
    await new Promise((resolve) => head.on("close", resolve));
    expect(status.trim()).toBe("0");
    expect(await readFile(path.join(root, "err.txt"), "utf8")).toBe("");
    if (existsSync("/dev/full")) {
      const full = spawn("bash", ["-c", `${command} >/dev/full`], { cwd: root, env });
      let err = "";
      full.stderr.on("data", (chunk) => {
        err += chunk;
      });
      const code = await new Promise((resolve) => full.on("close", resolve));
      expect(code).toBe(1);
      expect(err).toBe(
        "la sortie de la commande n'a pas pu être écrite (ENOSPC) : disque plein ou fichier impossible à écrire ? libérez de la place ou choisissez un autre fichier, puis relancez\n",
      );
    }
  });
});
