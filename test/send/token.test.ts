import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  chooseSecret,
  PREVIEW_SECRET,
  unsubscribeToken,
  verifyUnsubscribeToken,
} from "../../src/send/token.ts";
import { lettre } from "../cli.ts";
import { fixtureProject } from "../helpers.ts";

const SECRET = "Zq3vK8pW1xR7nT4yB6mD9cF2hJ5gL0sA+eU/oI=";
const OTHER = "another-secret-of-at-least-32-bytes-long";

describe("the unsubscribe token", () => {
  it("round-trips, is the same for the same list and address, and hides both", () => {
    const token = unsubscribeToken(SECRET, "partenaires", "anne.martin@exemple.fr");
    expect(token).toMatch(/^[\w-]+$/);
    expect(verifyUnsubscribeToken(SECRET, token)).toEqual({
      list: "partenaires",
      email: "anne.martin@exemple.fr",
    });
    // Deterministic: a resend carries the same link.
    expect(unsubscribeToken(SECRET, "partenaires", "anne.martin@exemple.fr")).toBe(token);
    expect(unsubscribeToken(SECRET, "partenaires", "bob@exemple.fr")).not.toBe(token);
    expect(unsubscribeToken(SECRET, "presse", "anne.martin@exemple.fr")).not.toBe(token);
    expect(unsubscribeToken(OTHER, "partenaires", "anne.martin@exemple.fr")).not.toBe(token);
    // Opaque: nothing of the address, in clear or in base64.
    for (const shown of ["anne", "martin", "exemple", "partenaires"]) {
      expect(token).not.toContain(shown);
      expect(Buffer.from(token, "base64url").toString("latin1")).not.toContain(shown);
    }
  });

  it("gives undefined, never throws, for a tampered, truncated, foreign or garbage token", () => {
    const token = unsubscribeToken(SECRET, "partenaires", "anne.martin@exemple.fr");
    const raw = Buffer.from(token, "base64url");
    // Every byte, flipped: nonce, ciphertext and tag are all checked.
    for (let i = 0; i < raw.length; i++) {
      const tampered = Buffer.from(raw);
      tampered[i] = (tampered[i] ?? 0) ^ 0x01;
      expect(verifyUnsubscribeToken(SECRET, tampered.toString("base64url"))).toBeUndefined();
    }
    for (let n = 0; n < token.length; n++) {
      expect(verifyUnsubscribeToken(SECRET, token.slice(0, n))).toBeUndefined();
    }
    expect(verifyUnsubscribeToken(SECRET, `${token}A`)).toBeUndefined();
    expect(verifyUnsubscribeToken(SECRET, `${token}=`)).toBeUndefined();
    expect(verifyUnsubscribeToken(OTHER, token)).toBeUndefined();
    expect(verifyUnsubscribeToken(PREVIEW_SECRET, token)).toBeUndefined();
    const garbage: unknown[] = [
      "",
      "abc",
      "!!!!",
      "a.b",
      randomBytes(64).toString("base64url"),
      randomBytes(12).toString("base64url"),
      "A".repeat(100_000),
      undefined,
      null,
      42,
      {},
      ["x"],
    ];
    for (const value of garbage) expect(verifyUnsubscribeToken(SECRET, value)).toBeUndefined();
  });

  it("refuses a secret under 32 bytes; without one, only the outbox may go on, as a preview", () => {
    expect(chooseSecret("x".repeat(31), true)).toEqual({ problem: "short", bytes: 31 });
    // Bytes, not characters: these 16 letters are 32 bytes.
    const accented = "éàèùâêîôûçëïüœæÉ";
    expect(chooseSecret(accented, false)).toEqual({ secret: accented, preview: false });
    expect(chooseSecret(undefined, false)).toEqual({ problem: "missing" });
    expect(chooseSecret("", false)).toEqual({ problem: "missing" });
    expect(chooseSecret(undefined, true)).toEqual({ secret: PREVIEW_SECRET, preview: true });
  });

  it("refuses a secret long enough but obviously not drawn at random", () => {
    // 32 spaces, the attacker's: long enough, guessed at once.
    expect(chooseSecret(" ".repeat(32), false)).toEqual({
      problem: "weak",
      reason: "blank",
      distinct: 1,
    });
    expect(chooseSecret("\t \n".repeat(16), true)).toMatchObject({ reason: "blank" });
    expect(chooseSecret("x".repeat(40), false)).toEqual({
      problem: "weak",
      reason: "few",
      distinct: 1,
    });
    expect(chooseSecret("aabbccddeeffgg".repeat(3), false)).toMatchObject({
      reason: "few",
      distinct: 7,
    });
    // One piece over and over, however many different characters it has.
    expect(chooseSecret("motdepasse".repeat(4), false)).toMatchObject({ reason: "repeated" });
    expect(chooseSecret("1234567890".repeat(4).slice(0, 35), false)).toMatchObject({
      reason: "repeated",
    });
    // What generators give passes: openssl rand -base64 32, -hex 16, -hex 32; a passphrase.
    for (const secret of [
      randomBytes(32).toString("base64"),
      randomBytes(16).toString("hex"),
      randomBytes(32).toString("hex"),
      "correct horse battery staple lettre",
      SECRET,
    ]) {
      expect(chooseSecret(secret, false)).toEqual({ secret, preview: false });
    }
  });

  it("lettre send says why, without showing the secret, with the command to make one", async () => {
    const root = await fixtureProject("archive");
    const result = await lettre(root, ["send", "2025-s2", "--test", "moi@exemple.fr"], {
      env: { LETTRE_UNSUBSCRIBE_SECRET: " ".repeat(32) },
    }).done;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "LETTRE_UNSUBSCRIBE_SECRET n'a pas été tirée au hasard (rien que des espaces) : on pourrait la deviner",
    );
    expect(result.stderr).toContain("openssl rand -base64 32");
    const repeated = await lettre(
      root,
      ["send", "2025-s2", "--test", "moi@exemple.fr", "--lang", "en"],
      {
        env: { LETTRE_UNSUBSCRIBE_SECRET: "motdepasse".repeat(4) },
      },
    ).done;
    expect(repeated.stderr).toContain(
      "LETTRE_UNSUBSCRIBE_SECRET was not drawn at random (one piece repeated)",
    );
    expect(repeated.stderr).not.toContain("motdepasse");
  });
});
