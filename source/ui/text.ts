/**
 * Text helpers for the terminal UI: measuring width in terminal cells and fitting text into
 * fixed-width columns. Untrusted text is made safe by escape() (source/escape.ts) first.
 */

/** Zero-width code points: combining marks, zero-width space/joiners, variation selectors. */
// prettier-ignore
const ZERO_WIDTH: readonly (readonly [number, number])[] = [
  [0x0300, 0x036f], [0x1ab0, 0x1aff], [0x1dc0, 0x1dff], [0x20d0, 0x20ff], [0x200b, 0x200d],
  [0x2060, 0x2060], [0xfeff, 0xfeff], [0xfe00, 0xfe0f], [0xfe20, 0xfe2f], [0xe0100, 0xe01ef],
];

/** East Asian wide / fullwidth code points and emoji: two terminal cells. */
// prettier-ignore
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff],
  [0xa000, 0xa4cf], [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe30, 0xfe4f], [0xff00, 0xff60],
  [0xffe0, 0xffe6], [0x1f300, 0x1f64f], [0x1f900, 0x1f9ff], [0x20000, 0x3fffd],
];

const inRanges = (cp: number, ranges: readonly (readonly [number, number])[]): boolean =>
  ranges.some(([lo, hi]) => cp >= lo && cp <= hi);

function cellsOf(cp: number): number {
  if (cp < 0x300) return 1; // ASCII and Latin: the hot path
  if (inRanges(cp, ZERO_WIDTH)) return 0;
  return inRanges(cp, WIDE) ? 2 : 1;
}

const PLAIN = /^[\u0020-\u007e\u00a0-\u02ff▁▂▃▄▅▆▇█…µ·─▲▼]*$/;

/** Width of an (escaped) string in terminal cells. */
export function displayWidth(text: string): number {
  if (PLAIN.test(text)) return text.length;
  let w = 0;
  for (const ch of text) w += cellsOf(ch.codePointAt(0) ?? 0);
  return w;
}

/** Cut a string to at most `width` cells, ending in `…` when something was cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  if (PLAIN.test(text)) return width === 1 ? '…' : text.slice(0, width - 1) + '…';
  let out = '';
  let w = 0;
  for (const ch of text) {
    const c = cellsOf(ch.codePointAt(0) ?? 0);
    if (w + c > width - 1) break;
    out += ch;
    w += c;
  }
  return out + '…';
}

export type Align = 'left' | 'right';

/** Truncate and pad a string to exactly `width` cells. */
export function fit(text: string, width: number, align: Align = 'left'): string {
  if (width <= 0) return '';
  const cut = truncate(text, width);
  const pad = width - displayWidth(cut);
  if (pad <= 0) return cut;
  return align === 'left' ? cut + ' '.repeat(pad) : ' '.repeat(pad) + cut;
}

/** Whether colours may be used: NO_COLOR (any non-empty value) or FORCE_COLOR=0/false turn them off. */
export function colorEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  return true;
}
