import { describe, expect, it } from 'vitest';
import { colorEnabled, displayWidth, fit, truncate } from '../../source/ui/text.js';

describe('width and fitting', () => {
  it('counts wide characters as two cells and combining marks as none', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('日本')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('▁▂█')).toBe(3);
  });

  it('truncates with an ellipsis and pads to the exact width', () => {
    expect(truncate('postgresql', 6)).toBe('postg…');
    expect(fit('ab', 5)).toBe('ab   ');
    expect(fit('ab', 5, 'right')).toBe('   ab');
    expect(fit('abcdefgh', 5, 'right')).toBe('abcd…');
    expect(displayWidth(fit('日本語テキスト', 5))).toBe(5);
  });
});

describe('colorEnabled', () => {
  it('honours NO_COLOR and FORCE_COLOR=0', () => {
    expect(colorEnabled({ NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled({ NO_COLOR: '' })).toBe(true);
    expect(colorEnabled({})).toBe(true);
  });
});
