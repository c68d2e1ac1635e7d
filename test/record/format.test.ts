import { describe, expect, it } from 'vitest';

// Local time is part of the format: pin a zone with a half-hour offset and no DST.
process.env.TZ = 'Asia/Kolkata';

const { fileStamp, formatLatencyMs, formatTimestamp, parseLocalTimestamp } =
  await import('../../source/record/format.js');

const utcUs = (iso: string, micros = 0) => Date.parse(iso) * 1000 + micros;

describe('formatTimestamp', () => {
  it('writes local time with always six fraction digits', () => {
    expect(formatTimestamp(utcUs('2024-01-02T03:04:05Z', 7))).toBe('2024-01-02 08:34:05.000007');
    expect(formatTimestamp(utcUs('2024-01-02T03:04:05Z'))).toBe('2024-01-02 08:34:05.000000');
    expect(formatTimestamp(utcUs('2024-12-31T18:29:59Z', 999_999))).toBe(
      '2024-12-31 23:59:59.999999',
    );
  });

  it('rolls over the cached second and date correctly', () => {
    const t = utcUs('2024-12-31T18:29:59Z', 999_999);
    expect(formatTimestamp(t)).toBe('2024-12-31 23:59:59.999999');
    expect(formatTimestamp(t + 1)).toBe('2025-01-01 00:00:00.000000');
    expect(formatTimestamp(t)).toBe('2024-12-31 23:59:59.999999');
  });

  it('parses back to the same microsecond', () => {
    for (const us of [0, 1, 999_999, 123_456]) {
      const t = utcUs('2025-06-30T12:00:00Z', us);
      expect(parseLocalTimestamp(formatTimestamp(t))).toBe(t);
    }
    expect(parseLocalTimestamp('2024-02-30 00:00:00.000000')).toBeNaN();
    expect(parseLocalTimestamp('2024-01-01 00:00:00.5')).toBe(
      utcUs('2023-12-31T18:30:00Z', 500_000),
    );
  });
});

describe('formatLatencyMs', () => {
  it('is empty when the latency is 0 (unknown)', () => {
    expect(formatLatencyMs(0)).toBe('');
  });

  it('writes milliseconds with nanosecond precision as a plain decimal', () => {
    expect(formatLatencyMs(42_517)).toBe('0.042517');
    expect(formatLatencyMs(1)).toBe('0.000001');
    expect(formatLatencyMs(1_000_000)).toBe('1');
    expect(formatLatencyMs(1_500_000)).toBe('1.5');
    expect(formatLatencyMs(123_456_789)).toBe('123.456789');
  });

  it('never uses exponent notation, for tiny or huge values', () => {
    expect(formatLatencyMs(0.6)).toBe('0.000001');
    expect(formatLatencyMs(1e-9)).toBe('');
    expect(formatLatencyMs(5e15)).toBe('5000000000');
    expect(formatLatencyMs(2 ** 53 - 1)).toBe('9007199254.740991');
    expect(formatLatencyMs(1e25)).toBe('10000000000000000000');
    expect(formatLatencyMs(1e28)).toBe('10000000000000000000000');
    for (const v of [1, 7, 1e3, 1e12, 1e20, 1e25, 1e28])
      expect(formatLatencyMs(v)).not.toMatch(/e/i);
  });
});

describe('fileStamp', () => {
  it('stamps file names in local time', () => {
    expect(fileStamp(new Date(Date.parse('2024-01-02T03:04:05Z')))).toBe('20240102_083405');
  });
});
