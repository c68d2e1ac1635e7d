/**
 * Text formats of a recording: the seed's timestamp and latency fields and the file-name stamp.
 * Pure functions, shared by the writer and the reader so that the two can never disagree.
 */

/** The header line of every recording (the seed's column order). */
export const RECORDING_COLUMNS = [
  'timestamp',
  'pid',
  'command',
  'opcode',
  'fd',
  'offset',
  'length',
  'result',
  'latency_ms',
] as const;

export const RECORDING_HEADER = RECORDING_COLUMNS.join(',');

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * `YYYY-MM-DD HH:MM:SS.ffffff` in local time, always six fraction digits. The date part is cached
 * per second: on the hot path consecutive events almost always share it.
 */
export function formatTimestamp(tsUs: number): string {
  const us = Math.round(tsUs);
  const second = Math.floor(us / 1_000_000);
  if (second !== cachedSecond) {
    const d = new Date(second * 1000);
    cachedPrefix =
      `${String(d.getFullYear()).padStart(4, '0')}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
      `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.`;
    cachedSecond = second;
  }
  return cachedPrefix + String(us - second * 1_000_000 + 1_000_000).slice(1);
}

/**
 * Nanoseconds as milliseconds in plain decimal notation with nanosecond precision (six decimals,
 * trailing zeros trimmed): 42517 → `0.042517`, 1_000_000 → `1`, 1 → `0.000001`. Never uses an
 * exponent, whatever the magnitude. 0 (unknown) gives the empty string.
 */
export function formatLatencyMs(latencyNs: number): string {
  if (latencyNs === 0 || !Number.isFinite(latencyNs)) return '';
  let ns = Math.round(Math.abs(latencyNs));
  if (ns === 0) return '';
  const sign = latencyNs < 0 ? '-' : '';
  let whole = Math.floor(ns / 1_000_000);
  ns -= whole * 1_000_000;
  // Above 2^53 the remainder can come out as exactly 1e6 after float rounding.
  if (ns >= 1_000_000) {
    whole += 1;
    ns -= 1_000_000;
  }
  const wholeText = whole < 1e21 ? String(whole) : BigInt(whole).toString();
  if (ns === 0) return sign + wholeText;
  let frac = String(ns + 1_000_000).slice(1);
  let end = frac.length;
  while (frac.charCodeAt(end - 1) === 48) end--;
  frac = frac.slice(0, end);
  return `${sign}${wholeText}.${frac}`;
}

/** `YYYYmmdd_HHMMSS` in local time, the stamp in a recording's file name. */
export function fileStamp(date: Date): string {
  return (
    `${String(date.getFullYear()).padStart(4, '0')}${pad2(date.getMonth() + 1)}${pad2(date.getDate())}_` +
    `${pad2(date.getHours())}${pad2(date.getMinutes())}${pad2(date.getSeconds())}`
  );
}

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/**
 * The inverse of formatTimestamp (local time, from 1970 → µs since the epoch), or NaN. The reader has its own
 * allocation-free copy of this for the hot path; this one serves everything else.
 */
export function parseLocalTimestamp(text: string): number {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) return Number.NaN;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  // (before 1970 no capture ran; and Date would take the years 0 to 99 for 1900 to 1999)
  if (y < 1970) return Number.NaN;
  const date = new Date(y, mo - 1, d, h, mi, 0, 0);
  if (date.getDate() !== d || date.getMonth() !== mo - 1 || h > 23 || mi > 59 || s > 60) {
    return Number.NaN;
  }
  const frac = m[7] ?? '';
  const us = frac === '' ? 0 : Math.floor(Number(frac.padEnd(9, '0')) / 1000);
  return (date.getTime() + s * 1000) * 1000 + us;
}
