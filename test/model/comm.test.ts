import { describe, expect, it } from 'vitest';
import { commBytes, commFromCsv, commToCsv, decodeComm } from '../../source/model/comm.js';
import { escape } from '../../source/escape.js';
import { rng } from './helpers.js';

describe('command names: bytes kept exactly', () => {
  it('decodes UTF-8, and keeps every other byte as itself', () => {
    expect(decodeComm(Buffer.from('postgres'))).toBe('postgres');
    expect(decodeComm(Buffer.from('日本'))).toBe('日本');
    const odd = decodeComm(Buffer.from([0x61, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x62]));
    expect([...odd].length).toBe(8); // a, ÿ-byte, c3-byte, (, three bytes of a surrogate, b
    expect(commBytes(odd)).toEqual(Buffer.from([0x61, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x62]));
    // on screen: the byte, as \xNN
    expect(escape(odd)).toBe('a\\xff\\xc3(\\xed\\xa0\\x80b');
  });

  it('round-trips any 15 bytes through the recording form, which stays one printable line', () => {
    const random = rng(42);
    for (let n = 0; n < 2000; n++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 15) }, () =>
        Math.floor(random() * 256),
      );
      const comm = decodeComm(bytes);
      const field = commToCsv(comm);
      // eslint-disable-next-line no-control-regex
      expect(field).not.toMatch(/[\x00-\x1f\x7f\u0080-\u009f\u202a-\u202e]/);
      expect(field).not.toMatch(
        /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/,
      );
      expect(commBytes(commFromCsv(field))).toEqual(Buffer.from(bytes));
    }
  });

  it('reads names written before the escape as they were', () => {
    expect(commFromCsv('fio')).toBe('fio');
    expect(commFromCsv('a\\b')).toBe('a\\b'); // not an escape: kept
  });
});
