import { describe, expect, it } from 'vitest';
import { colorEnabled, displayWidth, fit, sanitize, truncate } from '../../source/ui/text.js';

describe('sanitize', () => {
  it('leaves ordinary process names alone', () => {
    expect(sanitize('postgres')).toBe('postgres');
    expect(sanitize('fio-ß_é 日本')).toBe('fio-ß_é 日本');
  });

  it('turns every C0 control and DEL into a visible escape', () => {
    for (let c = 0; c < 0x20; c++) {
      const out = sanitize(`a${String.fromCharCode(c)}b`);
      expect(out).toBe(`a\\x${c.toString(16).padStart(2, '0')}b`);
    }
    expect(sanitize('x\x7fy')).toBe('x\\x7fy');
  });

  it('turns every C1 control into a visible escape', () => {
    for (let c = 0x80; c <= 0x9f; c++) {
      expect(sanitize(String.fromCharCode(c))).toBe(`\\x${c.toString(16)}`);
    }
  });

  it('neutralises an escape sequence that would clear the screen or retitle the window', () => {
    const out = sanitize('evil\x1b[2J\x1b]0;pwned\x07');
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect(out).toBe('evil\\x1b[2J\\x1b]0;pwned\\x07');
  });

  it('replaces bidi overrides and isolates that could reorder the line', () => {
    for (const cp of [
      0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f,
      0x061c,
    ]) {
      const out = sanitize(`a${String.fromCodePoint(cp)}b`);
      expect(out).toBe(`a\\u${cp.toString(16).padStart(4, '0')}b`);
    }
  });

  it('replaces line separators and lone surrogates', () => {
    expect(sanitize('a\u2028b\u2029c')).toBe('a\\u2028b\\u2029c');
    expect(sanitize('a\ud800b')).toBe('a?b');
    expect(sanitize('😀')).toBe('😀');
  });
});

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
