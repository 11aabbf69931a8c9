// WCAG 2 contrast of the theme's colours (used by *.test.ts only).

/** `--name: #rrggbb` declarations of each theme block of a stylesheet: `:root` (light) and `[data-theme='dark']`. */
export function themeColours(css: string): { light: Map<string, string>; dark: Map<string, string> } {
  const block = (selector: RegExp) => {
    const body = selector.exec(css)?.[1] ?? '';
    return new Map([...body.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)].map((m) => [m[1]!, m[2]!.toLowerCase()]));
  };
  return { light: block(/:root\s*\{([^}]*)\}/), dark: block(/\[data-theme='dark'\]\s*\{([^}]*)\}/) };
}

/** Relative luminance of an sRGB `#rrggbb` colour (WCAG 2.x). */
export function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Contrast ratio of two `#rrggbb` colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}
