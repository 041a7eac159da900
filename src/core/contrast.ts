/**
 * WCAG 2.x contrast (https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio): relative luminance of
 * sRGB colours, their ratio, and the darker colour of the same hue that reaches a ratio.
 */

type Rgb = [number, number, number];

/** "#0b5394" or "#fff" → [11, 83, 148]. */
export function parseHex(hex: string): Rgb | undefined {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  if (!m?.[1]) return undefined;
  const digits = m[1].length === 3 ? [...m[1]].map((d) => d + d).join("") : m[1];
  return [0, 2, 4].map((i) => Number.parseInt(digits.slice(i, i + 2), 16)) as Rgb;
}

function toHex(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("")}`;
}

export function luminance([r, g, b]: Rgb): number {
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** Contrast ratio of two colours, from 1 to 21. */
export function contrast(a: string | Rgb, b: string | Rgb): number {
  const la = luminance(typeof a === "string" ? (parseHex(a) ?? [0, 0, 0]) : a);
  const lb = luminance(typeof b === "string" ? (parseHex(b) ?? [0, 0, 0]) : b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** A ratio as WCAG states them, rounded down (4.498 does not pass as "4.5"). */
export function floorRatio(ratio: number): number {
  return Math.floor(ratio * 100) / 100;
}

function rgbToHsl([r, g, b]: Rgb): [number, number, number] {
  const [rs, gs, bs] = [r / 255, g / 255, b / 255];
  const max = Math.max(rs, gs, bs);
  const min = Math.min(rs, gs, bs);
  const l = (max + min) / 2;
  if (max === min) return [0, 0, l];
  const d = max - min;
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
  const h =
    max === rs
      ? (gs - bs) / d + (gs < bs ? 6 : 0)
      : max === gs
        ? (bs - rs) / d + 2
        : (rs - gs) / d + 4;
  return [h / 6, s, l];
}

function hslToRgb([h, s, l]: [number, number, number]): Rgb {
  if (s === 0) return [l * 255, l * 255, l * 255];
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s;
  const p = 2 * l - q;
  const hue = (t: number) => {
    const u = t < 0 ? t + 1 : t > 1 ? t - 1 : t;
    if (u < 1 / 6) return p + (q - p) * 6 * u;
    if (u < 1 / 2) return q;
    if (u < 2 / 3) return p + (q - p) * (2 / 3 - u) * 6;
    return p;
  };
  return [hue(h + 1 / 3) * 255, hue(h) * 255, hue(h - 1 / 3) * 255];
}

/**
 * The lightest colour of the same hue and saturation as `hex`, no lighter than it, whose
 * contrast with every one of `backgrounds` (light colours) is at least `min`.
 */
export function darkenToContrast(hex: string, backgrounds: readonly string[], min: number): string {
  const rgb = parseHex(hex);
  if (!rgb) return hex;
  const [h, s, l] = rgbToHsl(rgb);
  for (let lightness = l; lightness >= 0; lightness -= 0.002) {
    const candidate = toHex(hslToRgb([h, s, lightness]));
    if (backgrounds.every((bg) => floorRatio(contrast(candidate, bg)) >= min)) return candidate;
  }
  return "#000000";
}
