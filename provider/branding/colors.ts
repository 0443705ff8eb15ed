// Colour arithmetic for the organisation's colour: WCAG 2 contrast, and lighter or darker shades.

/** `#ffffff` or `#000000`, whichever reads better on `color` (`#rrggbb`). */
export function onColor(color: string): string {
  const c = rgb(color);
  return hex(contrast(c, WHITE) >= contrast(c, BLACK) ? WHITE : BLACK);
}

/** A colour as red, green and blue from 0 to 255. */
export type Rgb = [number, number, number];
export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];

/** `#rrggbb` as Rgb. */
export function rgb(color: string): Rgb {
  const n = Number.parseInt(color.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Rgb as `#rrggbb`. */
export function hex(color: Rgb): string {
  return `#${color.map((part) => part.toString(16).padStart(2, '0')).join('')}`;
}

/** `color` moved `amount` (0-1) of the way to `to`. */
export function mix(color: Rgb, to: Rgb, amount: number): Rgb {
  return color.map((part, i) => Math.round(part + (to[i]! - part) * amount)) as Rgb;
}

/** The WCAG 2 contrast ratio of two colours (1 to 21). */
export function contrast(a: Rgb, b: Rgb): number {
  const [la, lb] = [luminance(a), luminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function luminance(color: Rgb): number {
  const [r, g, b] = color.map((part) => {
    const c = part / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
