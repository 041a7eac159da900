/**
 * Text from outside (a subscriber's name, an address from a CSV file) made safe to print on a
 * terminal: control characters would otherwise be obeyed, not shown (ESC starts sequences
 * that clear the screen, retitle the window, rewrite what was printed). They are shown
 * instead: C0 controls and DEL as their Unicode pictures (ESC → ␛, BEL → ␇, line feed → ␊),
 * C1 controls and the bidirectional overrides that reorder a line as `\u009b`.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what it replaces
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return "\u2421";
    return `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
