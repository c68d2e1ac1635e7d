import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatLatencyNs,
  formatPercent,
  formatRate,
} from '../../source/format.js';

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [7, '7'],
    [999, '999'],
    [0.25, '0.25'],
    [0.001, '0'],
    [3.5, '3.5'],
    [12.4, '12'],
    [999.4, '999'],
    [999.6, '1.0K'],
    [1000, '1.0K'],
    [1234, '1.2K'],
    [12_345, '12.3K'],
    [99_949, '99.9K'],
    [99_950, '100K'],
    [123_456, '123K'],
    [999_499, '999K'],
    [999_500, '1.0M'],
    [2_500_000, '2.5M'],
    [7.2e9, '7.2G'],
    [1e13, '10.0T'],
    [-1500, '-1.5K'],
    [Number.NaN, '-'],
    [Infinity, '-'],
  ])('formats %d as %s', (n, text) => {
    expect(formatCount(n)).toBe(text);
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1023.6, '1.0 KiB'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [12_595, '12.3 KiB'],
    [126_464, '124 KiB'],
    [1_048_064, '1.0 MiB'], // 1023.5 KiB rounds up to the next unit
    [1_047_552, '1023 KiB'],
    [1_048_576, '1.0 MiB'],
    [5.5 * 2 ** 30, '5.5 GiB'],
    [3 * 2 ** 40, '3.0 TiB'],
    [-2048, '-2.0 KiB'],
    [Number.NaN, '-'],
  ])('formats %d as %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

describe('formatRate', () => {
  it('formats operation and byte rates per second', () => {
    expect(formatRate(2500)).toBe('2.5K/s');
    expect(formatRate(0)).toBe('0/s');
    expect(formatRate(0.5)).toBe('0.50/s');
    expect(formatRate(1_048_576, 'bytes')).toBe('1.0 MiB/s');
    expect(formatRate(100, 'bytes')).toBe('100 B/s');
    expect(formatRate(Number.NaN)).toBe('-');
  });
});

describe('formatLatencyNs', () => {
  it.each([
    [0, '-'],
    [-5, '-'],
    [Number.NaN, '-'],
    [0.4, '1ns'],
    [1, '1ns'],
    [850, '850ns'],
    [999.4, '999ns'],
    [999.6, '1.00µs'],
    [1234, '1.23µs'],
    [9_994, '9.99µs'],
    [9_996, '10.0µs'],
    [42_517, '42.5µs'],
    [60_000, '60.0µs'],
    [99_960, '100µs'],
    [123_456, '123µs'],
    [999_600, '1.00ms'],
    [2_500_000, '2.50ms'],
    [45_600_000, '45.6ms'],
    [2.5e9, '2.50s'],
    [1.234e12, '1234s'],
  ])('formats %d ns as %s', (ns, text) => {
    expect(formatLatencyNs(ns)).toBe(text);
  });
});

describe('formatPercent', () => {
  it('formats shares with a decimal below 10 %', () => {
    expect(formatPercent(0, 10)).toBe('0%');
    expect(formatPercent(1, 200)).toBe('0.5%');
    expect(formatPercent(1, 8)).toBe('13%');
    expect(formatPercent(5, 5)).toBe('100%');
    expect(formatPercent(1, 0)).toBe('-');
  });
});
