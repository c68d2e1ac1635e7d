import { describe, expect, it } from 'vitest';
import {
  downsampleMax,
  renderSparkline,
  sparkChar,
  sparkScale,
} from '../../source/render/sparkline.js';

describe('renderSparkline', () => {
  it('draws one block per value on a shared scale, newest at the right', () => {
    expect(renderSparkline([1, 2, 3, 4, 5, 6, 7, 8], 8, 8)).toBe('▁▂▃▄▅▆▇█');
  });

  it('pads a short history on the left so every row ends at "now"', () => {
    expect(renderSparkline([8, 8], 5, 8)).toBe('   ██');
  });

  it('leaves zero and missing samples blank and shows any positive value as at least ▁', () => {
    expect(renderSparkline([0, 0.001, Number.NaN, 8], 4, 8)).toBe(' ▁ █');
    expect(sparkChar(5, 0)).toBe(' ');
    expect(sparkChar(100, 8)).toBe('█');
  });

  it("uses the caller's scale so rows compare: a small row stays low", () => {
    const scale = sparkScale([
      [100, 100],
      [10, 10],
    ]);
    expect(scale).toBe(100);
    expect(renderSparkline([10, 10], 2, scale)).toBe('▁▁');
    expect(renderSparkline([100, 100], 2, scale)).toBe('██');
  });

  it('keeps a one-sample spike when 60 s of history is squeezed into 10 cells', () => {
    const h = new Array<number>(60).fill(1);
    h[33] = 80;
    const line = renderSparkline(h, 10, 80);
    expect(line).toHaveLength(10);
    expect(line).toContain('█');
    expect([...line].filter((ch) => ch === '█')).toHaveLength(1);
  });

  it('returns exactly width cells for any width', () => {
    for (const w of [0, 1, 7, 60, 100]) expect(renderSparkline([1, 2, 3], w, 3)).toHaveLength(w);
  });
});

describe('downsampleMax', () => {
  it("tiles the whole history into buckets and takes each bucket's maximum", () => {
    expect(downsampleMax([1, 9, 2, 3, 4, 8], 3)).toEqual([9, 3, 8]);
    expect(downsampleMax([1, 2, 3, 4, 5, 6, 7], 2)).toEqual([3, 7]);
  });

  it('returns the history unchanged when it already fits', () => {
    expect(downsampleMax([1, 2], 5)).toEqual([1, 2]);
  });
});
