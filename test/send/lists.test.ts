import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkAddress } from "../../src/core/address.ts";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { exportList, importList } from "../../src/send/lists.ts";
import { listSubscribers, openDatabase, removeFromList } from "../../src/send/store.ts";
import { withoutRecords } from "../helpers.ts";

let root: string;
let db: DatabaseSync;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "lettre-lists-"));
  db = openDatabase(root);
});
afterEach(async () => {
  db.close();
  await rm(root, { recursive: true, force: true });
});

describe("subscriber lists", () => {
  it("imports a French spreadsheet export, rejecting bad rows with their line", () => {
    const csv = [
      "\uFEFFPrénom;Nom;Courriel;Organisation",
      "Marie;Durand;marie.durand@exemple.fr;Région Normandie",
      'Paul;"Martin, fils";Paul.Martin@Exemple.fr;',
      "Jeanne;Leroy;jeanne@exemple.fr, autre@exemple.fr;AD Normandie",
      'Pierre;Roux;"Pierre Roux <pierre@exemple.fr>";',
      '"Ana";"Lima";"ana@exemple.fr\r\nBcc: victime@exemple.fr";',
      "Luc;Petit;pas-une-adresse;",
      "Marie;Durand-Leroy;MARIE.DURAND@exemple.fr;Région Normandie",
    ].join("\r\n");
    const report = importList(db, "partenaires", csv, "partenaires.csv");
    expect(report.rejected.map(formatDiagnostic)).toEqual([
      "partenaires.csv:4: « jeanne@exemple.fr, autre@exemple.fr » contient plusieurs adresses : une seule par ligne",
      "partenaires.csv:5: « Pierre Roux <pierre@exemple.fr> » contient un nom ou des signes en plus : gardez l'adresse seule (nom@exemple.fr)",
      "partenaires.csv:6: « ana@exemple.fr⏎Bcc: victime@exemple.fr » contient un retour à la ligne : une seule adresse par ligne",
      "partenaires.csv:8: « pas-une-adresse » n'est pas une adresse e-mail valable",
    ]);
    expect(report).toMatchObject({ added: 2, updated: 0, merged: 1 });
    expect(listSubscribers(db, "partenaires")).toEqual([
      {
        email: "marie.durand@exemple.fr",
        address: "MARIE.DURAND@exemple.fr",
        fields: { firstName: "Marie", lastName: "Durand-Leroy", organization: "Région Normandie" },
        status: "subscribed",
        source: "import:partenaires.csv",
      },
      {
        email: "paul.martin@exemple.fr",
        address: "Paul.Martin@Exemple.fr",
        fields: { firstName: "Paul", lastName: "Martin, fils" },
        status: "subscribed",
        source: "import:partenaires.csv",
      },
    ]);
  });

  it("re-imports without losing unsubscribes, and exports, removes", () => {
    importList(db, "lettre", "email,prénom\na@exemple.fr,Anne\nb@exemple.fr,Bob\n", "l.csv");
    db.prepare("INSERT INTO suppressions (email, reason, at) VALUES (?, 'unsubscribed', ?)").run(
      "b@exemple.fr",
      "2026-01-01",
    );
    const again = importList(
      db,
      "lettre",
      "email,prénom\nB@exemple.fr,Bobby\nc@exemple.fr,\n",
      "l.csv",
    );
    expect(again).toMatchObject({ added: 1, updated: 1, suppressed: 1 });
    expect(
      listSubscribers(db, "lettre").map((s) => [s.email, s.status, s.fields.firstName]),
    ).toEqual([
      ["a@exemple.fr", "subscribed", "Anne"],
      ["b@exemple.fr", "unsubscribed", "Bobby"],
      ["c@exemple.fr", "subscribed", undefined],
    ]);
    expect(withoutRecords(exportList(db, "lettre"))).toBe(
      "\uFEFFemail;firstName;status\r\na@exemple.fr;Anne;subscribed\r\nB@exemple.fr;Bobby;unsubscribed\r\nc@exemple.fr;;subscribed\r\n",
    );
    expect(removeFromList(db, "lettre", "A@EXEMPLE.FR")).toBe(1);
    expect(removeFromList(db, "lettre")).toBe(2);
    expect(db.prepare("SELECT COUNT(*) AS n FROM suppressions").get()).toEqual({ n: 1 });
  });

  it("says which column is missing and where the CSV is broken", () => {
    expect(
      importList(db, "x", "nom;ville\nMarie;Caen\n", "x.csv").rejected.map(formatDiagnostic),
    ).toEqual([
      "x.csv:1: aucune colonne d'adresses : nommez-la « email » (ou « courriel », « adresse ») ; colonnes trouvées : lastName, ville",
    ]);
    const broken = importList(db, "x", 'email\n"a@exemple.fr\nb@exemple.fr\n', "x.csv");
    expect(broken.rejected[0]?.message).toMatch(/^fichier CSV illisible : /);
  });

  it("accepts one plain address and nothing else", () => {
    expect(checkAddress(" anne.o'neil+lettre@sub.exemple.fr ")).toEqual({
      address: "anne.o'neil+lettre@sub.exemple.fr",
    });
    for (const bad of ["a@b", "a@@b.fr", "@b.fr", "a b@c.fr", "a@-b.fr", "a@b.fr\n", '"a"@b.fr']) {
      expect(checkAddress(bad).address, bad).toBeUndefined();
    }
  });
});
