import { describe, expect, it } from 'vitest';
import { escape } from '../source/escape.js';

describe('escape: the one escape for untrusted text', () => {
  it('leaves ordinary names alone', () => {
    expect(escape('postgres')).toBe('postgres');
    expect(escape('fio-ß_é 日本')).toBe('fio-ß_é 日本');
    expect(escape('naïve ü 😀')).toBe('naïve ü 😀');
  });

  it('turns every C0 control and DEL into a visible escape (\\n \\r \\t by name)', () => {
    const named: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r' };
    for (let c = 0; c < 0x20; c++) {
      const out = escape(`a${String.fromCharCode(c)}b`);
      expect(out).toBe(`a${named[c] ?? `\\x${c.toString(16).padStart(2, '0')}`}b`);
    }
    expect(escape('x\x7fy')).toBe('x\\x7fy');
  });

  it('turns every C1 control into a visible escape, as a character (\\u0080), not a byte', () => {
    for (let c = 0x80; c <= 0x9f; c++) {
      expect(escape(String.fromCharCode(c))).toBe(`\\u00${c.toString(16)}`);
    }
  });

  it('never gives two names the same text: a byte that is not UTF-8, the character of that number, and the escape text itself', () => {
    // (a byte that is not UTF-8 is kept as U+DC80+byte: model/comm.ts)
    const names: string[] = [];
    for (let b = 0x80; b <= 0xff; b++) {
      const hex = b.toString(16);
      names.push(
        `a${String.fromCharCode(0xdc00 + b)}`, // the byte
        `a${String.fromCharCode(b)}`, // the character U+00NN (C1 control, Latin-1 letter)
        `a\\x${hex}`, // the text of the byte's escape
        `a\\u00${hex}`, // the text of the character's escape
      );
    }
    for (let c = 0; c < 0x80; c++) names.push(`a${String.fromCharCode(c)}`);
    names.push('a\\n', 'a\\\\', 'a\ud800', 'a\\ud800', 'a\u202e', 'a\\u202e');
    const seen = new Map<string, string>();
    for (const n of new Set(names)) {
      const e = escape(n);
      expect(seen.get(e), `${JSON.stringify(n)} and ${JSON.stringify(seen.get(e))} give ${e}`).toBe(
        undefined,
      );
      seen.set(e, n);
    }
    // the issue's example: the byte 0xC1 and the text "\xc1"
    expect(escape('a\udcc1')).toBe('a\\xc1');
    expect(escape('a\\xc1')).toBe('a\\\\xc1');
    // and the pair that did collide: the byte 0x81 and the C1 control U+0081
    expect(escape('a\udc81')).toBe('a\\x81');
    expect(escape('a\u0081')).toBe('a\\u0081');
  });

  it('neutralises an escape sequence that would clear the screen or retitle the window', () => {
    const out = escape('evil\x1b[2J\x1b]0;pwned\x07');
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect(out).toBe('evil\\x1b[2J\\x1b]0;pwned\\x07');
  });

  it('escapes every bidi control, the line separators and the BOM', () => {
    for (const cp of [
      0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f,
      0x061c, 0x2028, 0x2029, 0xfeff,
    ]) {
      expect(escape(`a${String.fromCodePoint(cp)}b`)).toBe(
        `a\\u${cp.toString(16).padStart(4, '0')}b`,
      );
    }
    // a zero-width space is not a control: it stays
    expect(escape('fio\u202egnp.exe\u200b')).toBe('fio\\u202egnp.exe\u200b');
  });

  it('escapes lone surrogates and the backslash, so every escape in the output is one of ours', () => {
    expect(escape('a\ud800b\udc00c')).toBe('a\\ud800b\\udc00c');
    expect(escape('a\\x1b')).toBe('a\\\\x1b');
    expect(escape('a\\x1b')).not.toBe(escape('a\x1b'));
  });

  it('cuts to a length with an ellipsis, never inside an escape or a surrogate pair', () => {
    expect(escape('x'.repeat(10), 4)).toBe('xxxx…');
    expect(escape('ab\x1bcd', 4)).toBe('ab…');
    expect(escape('ab\x1bcd', 6)).toBe('ab\\x1b…');
    expect(escape('a😀b', 2)).toBe('a…');
    expect(escape('short', 10)).toBe('short');
  });
});
