import { type DefaultTreeAdapterTypes, parse } from "parse5";
import { describe, expect, it } from "vitest";
import { contrast } from "../../src/core/contrast.ts";
import { build } from "../../src/pipeline/index.ts";
import { fixtureProject } from "../helpers.ts";

type Node = DefaultTreeAdapterTypes.Node;
type Element = DefaultTreeAdapterTypes.Element;
type Text = DefaultTreeAdapterTypes.TextNode;

const isElement = (node: Node | null | undefined): node is Element => !!node && "tagName" in node;
const attribute = (element: Element, name: string) =>
  element.attrs.find((a) => a.name === name)?.value;

/** Every node under `node`, in document order. */
function* nodes(node: Node): Generator<Node> {
  yield node;
  if ("childNodes" in node) for (const child of node.childNodes) yield* nodes(child);
}

/** `style="a: b; c: d"` → { a: "b", c: "d" } */
function declarations(element: Element | null): Record<string, string> {
  const style = (element && attribute(element, "style")) ?? "";
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
    const body = [...nodes(parse(html))].find((n) => isElement(n) && n.tagName === "body");
    expect(body).toBeTruthy();
    const texts = [...(body ? nodes(body) : [])].filter(
      (n): n is Text => n.nodeName === "#text" && (n as Text).value.trim() !== "",
    );
    const first = texts[0];
    expect(first?.value.trim().startsWith("Un aperçu de chaque type de section.")).toBe(true);

    const preheader = first?.parentNode as Element;
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
    for (let e: Node | null = preheader; isElement(e); e = e.parentNode) {
      const d = declarations(e);
      if (!colorFound && d.color) [color, colorFound] = [d.color, true];
      const bg = d["background-color"] ?? attribute(e, "bgcolor");
      if (!backgroundFound && bg) [background, backgroundFound] = [bg, true];
    }
    expect(contrast(color, background)).toBeGreaterThanOrEqual(4.5);

    // The filler after it keeps inboxes from previewing the next line; the plain text skips both.
    const inside = [...nodes(preheader)].filter((n): n is Text => n.nodeName === "#text");
    expect(inside.map((n) => n.value).join("")).toMatch(/section\.(\u034f\u200c\u00a0){50,}$/);
    expect(email?.text).not.toContain("Un aperçu");
    expect(email?.text).not.toMatch(/[\u034f\u200c]/);
  });
});
