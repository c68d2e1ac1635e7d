/**
 * Human-scaled number formatting shared by the TUI and the headless summary. Every function is
 * pure and returns a short string: about three significant digits, so columns stay narrow.
 *
 *   formatCount(1234)        → "1.2K"     (decimal: K M G T P E)
 *   formatBytes(1536)        → "1.5 KiB"  (binary: KiB MiB GiB TiB PiB EiB)
 *   formatRate(2500)         → "2.5K/s";  formatRate(1048576, 'bytes') → "1.0 MiB/s"
 *   formatLatencyNs(42_517)  → "42.5µs"   (ns µs ms s; 0 = unknown → "-")
 *
 * Non-finite values render as "-".
 */

const COUNT_UNITS = ['', 'K', 'M', 'G', 'T', 'P', 'E'];
const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
const TIME_UNITS = ['ns', 'µs', 'ms', 's'];

/**
 * v ≥ 1 in units[u] (u ≥ 1) with one decimal below 100 and none above; a value that rounds up
 * to the next unit moves there ("1023.7 KiB" → "1.0 MiB").
 */
function scaled(n: number, base: number, units: readonly string[], sep: string): string {
  let v = n;
  let u = 0;
  while (v >= base && u < units.length - 1) {
    v /= base;
    u++;
  }
  if (v < 99.95) return `${v.toFixed(1)}${sep}${units[u]}`;
  const r = Math.round(v);
  if (r >= base && u < units.length - 1) return `${(r / base).toFixed(1)}${sep}${units[u + 1]}`;
  return `${r}${sep}${units[u]}`;
}

/** A count or a count rate: "0", "42", "0.25", "3.5", "999", "1.0K", "12.3K", "123K", "1.2M". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n < 0) return `-${formatCount(-n)}`;
  if (n < 1000) {
    if (Number.isInteger(n)) return String(n);
    if (n < 1) return trimZero(n.toFixed(2));
    if (n < 9.95) return n.toFixed(1);
    const r = Math.round(n);
    if (r < 1000) return String(r);
  }
  return scaled(n, 1000, COUNT_UNITS, '');
}

function trimZero(text: string): string {
  return text === '0.00' ? '0' : text;
}

/** Bytes in binary units: "0 B", "512 B", "1.0 KiB", "12.3 KiB", "123 KiB", "1.5 GiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n < 0) return `-${formatBytes(-n)}`;
  const r = Math.round(n);
  if (r < 1024) return `${r} B`;
  return scaled(n, 1024, BYTE_UNITS, ' ');
}

/** A per-second rate of operations ('count', the default) or of bytes: "2.5K/s", "1.0 MiB/s". */
export function formatRate(perSec: number, kind: 'count' | 'bytes' = 'count'): string {
  if (!Number.isFinite(perSec)) return '-';
  return `${kind === 'bytes' ? formatBytes(perSec) : formatCount(perSec)}/s`;
}

/**
 * A latency in nanoseconds with three significant digits: "850ns", "1.23µs", "42.5µs", "123µs",
 * "1.00ms", "2.50s", "1234s". 0 (or less) means unknown and renders as "-".
 */
export function formatLatencyNs(ns: number): string {
  if (!Number.isFinite(ns) || ns <= 0) return '-';
  const rounded = Math.max(1, Math.round(ns));
  if (rounded < 1000) return `${rounded}ns`;
  let v = ns;
  let u = 0;
  while (v >= 1000 && u < TIME_UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  for (;;) {
    let text: string;
    if (v < 9.995) text = v.toFixed(2);
    else if (v < 99.95) text = v.toFixed(1);
    else {
      const r = Math.round(v);
      if (r >= 1000 && u < TIME_UNITS.length - 1) {
        v = r / 1000;
        u++;
        continue;
      }
      text = String(r);
    }
    return `${text}${TIME_UNITS[u]}`;
  }
}

/** Percent of a whole, for shares and mixes: "0%", "0.5%", "12%", "100%". */
export function formatPercent(part: number, whole: number): string {
  if (!(whole > 0) || !Number.isFinite(part)) return '-';
  const p = (part / whole) * 100;
  if (p === 0) return '0%';
  if (p < 9.95) return `${p.toFixed(1)}%`;
  return `${Math.round(p)}%`;
}
