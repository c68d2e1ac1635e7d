/**
 * Text helpers for the terminal UI: making untrusted strings safe to print, measuring their
 * width in terminal cells, and fitting them into fixed-width columns.
 */

/**
 * Characters that must never reach the terminal raw: C0 controls, DEL, C1 controls (U+0080–U+009F,
 * which some terminals treat as escape introducers), the Unicode line/paragraph separators, and the
 * bidirectional controls that can visually reorder the rest of a line (LRE/RLE/PDF/LRO/RLO,
 * LRI/RLI/FSI/PDI, LRM/RLM/ALM).
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Make an untrusted string (a process name, a kernel-supplied name, a file path) safe to render:
 * every control or bidi-override character becomes a visible escape such as `\x1b` or `\u202e`.
 * Lone surrogates become `?`. Printable text is returned unchanged (and is the common case, so the
 * fast path allocates nothing).
 */
export function sanitize(text: string): string {
  UNSAFE.lastIndex = 0;
  let out = UNSAFE.test(text) ? text.replace(UNSAFE, escapeChar) : text;
  LONE_SURROGATE.lastIndex = 0;
  if (LONE_SURROGATE.test(out)) out = out.replace(LONE_SURROGATE, '?');
  return out;
}

/** Zero-width code points: combining marks, zero-width space/joiners, variation selectors. */
function isZeroWidth(cp: number): boolean {
  return (
    (cp >= 0x0300 && cp <= 0x036f) ||
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0x200b && cp <= 0x200d) ||
    cp === 0x2060 ||
    cp === 0xfeff ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xfe20 && cp <= 0xfe2f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  );
}

/** East Asian wide / fullwidth code points and emoji: two terminal cells. */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

function cellsOf(cp: number): number {
  if (cp < 0x300) return 1; // ASCII and Latin: the hot path
  if (isZeroWidth(cp)) return 0;
  return isWide(cp) ? 2 : 1;
}

const PLAIN = /^[\u0020-\u007e\u00a0-\u02ff▁▂▃▄▅▆▇█…µ·─▲▼]*$/;

/** Width of a (sanitized) string in terminal cells. */
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
