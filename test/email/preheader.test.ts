import type { Element, Text } from "domhandler";
import { DomUtils, parseDocument } from "htmlparser2";
import { describe, expect, it } from "vitest";
import { build } from "../../src/cli/build.ts";
import { contrast } from "../../src/core/contrast.ts";
import { fixtureProject } from "../helpers.ts";

/** `style="a: b; c: d"` → { a: "b", c: "d" } */
function declarations(element: Element | null): Record<string, string> {
  const style = element?.attribs.style ?? "";
  return Object.fromEntries(
    style
      .split(";")
      .map((d) => d.split(":").map((part) => part.trim().toLowerCase()))
      .filter((d): d is [string, string] => d.length === 2 && d[0] !== ""),
  );
}

describe("the hidden preheader", () => {
  it("is the first text of the body, hidden without a text colour close to the background", async () => {
    const root = await fixtureProject("full");
    const result = await build({ root, write: false });
    const email = result.emails[0]?.email;
    const html = email?.html ?? "";
    const body = DomUtils.findOne((e) => e.name === "body", parseDocument(html).children);
    expect(body).toBeTruthy();
    const texts = DomUtils.filter(
      (node) => node.type === "text" && (node as Text).data.trim() !== "",
      body ? [body] : [],
    ) as Text[];
    const first = texts[0];
    expect(first?.data.trim().startsWith("Un aperçu de chaque type de section.")).toBe(true);

    const preheader = first?.parent as Element;
    const own = declarations(preheader);
    expect(own.display).toBe("none");
    expect(own["mso-hide"]).toBe("all");
    expect(own["max-height"]).toMatch(/^0(px)?$/);
    // No colour of its own (same-colour text is what spam filters count)…
    expect(own.color).toBeUndefined();
    // …and the colour it inherits stands out from the background it sits on.
    let color = "#000000";
    let background = "#ffffff";
    let colorFound = false;
    let backgroundFound = false;
    for (let e: Element | null = preheader; e; e = e.parent as Element | null) {
      if (e.type !== "tag") break;
      const d = declarations(e);
      if (!colorFound && d.color) [color, colorFound] = [d.color, true];
      const bg = d["background-color"] ?? e.attribs.bgcolor;
      if (!backgroundFound && bg) [background, backgroundFound] = [bg, true];
    }
    expect(contrast(color, background)).toBeGreaterThanOrEqual(4.5);

    // The filler after it keeps inboxes from previewing the next line; the plain text skips both.
    expect(DomUtils.textContent(preheader)).toMatch(/section\.(\u034f\u200c\u00a0){50,}$/);
    expect(email?.text).not.toContain("Un aperçu");
    expect(email?.text).not.toMatch(/[\u034f\u200c]/);
  });
});
