/**
 * Table-cell formatting: the model's human-scaled formatters (shared with the headless summary),
 * made one cell narrower for the dense columns ("12.3 KiB" → "12.3KiB"; zero bytes → "0").
 */
import { formatBytes, formatCount, formatLatencyNs } from '../model/format.js';

/** 12, 0.25, 1.2K, 45.6M. */
export const count = formatCount;

/** 512B, 1.5KiB, 123MiB; 0 as "0". */
export function bytes(v: number): string {
  if (v === 0) return '0';
  return formatBytes(v).replace(' ', '');
}

/** 850ns, 12.3µs, 4.56ms, 1.20s; unknown (0) as "-". */
export const latency = formatLatencyNs;
