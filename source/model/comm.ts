/**
 * Command names are bytes (the kernel's task comm, up to 15 of them), chosen by whoever starts a
 * process: not necessarily UTF-8, and free to hold control bytes. iouringtop keeps them
 * losslessly: decoded as UTF-8 where they are, and every byte that is not part of valid UTF-8
 * kept as the lone surrogate U+DC80+byte ("surrogateescape"). The screen shows such a byte as
 * `\xNN` (escape.ts); the recording writes the name in a form that is one line, safe to grep and
 * exact to read back (commToCsv / commFromCsv).
 */

const SURROGATE_BASE = 0xdc00;

/** The name as iouringtop keeps it, from the kernel's bytes. */
export function decodeComm(bytes: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) ascii = false;
  if (ascii) return String.fromCharCode(...bytes);
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const [cp, n] = utf8At(bytes, i);
    if (n === 0) {
      out += String.fromCharCode(b < 0x80 ? b : SURROGATE_BASE + b);
      i++;
    } else {
      out += String.fromCodePoint(cp);
      i += n;
    }
  }
  return out;
}

/** The code point of the UTF-8 sequence at `i` and its length, or [0, 0] where it is not valid. */
function utf8At(bytes: Uint8Array, i: number): [number, number] {
  const b = bytes[i];
  if (b < 0x80) return [b, 1];
  const n = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? (b <= 0xef ? 3 : 0) : b >= 0xc2 ? 2 : 0;
  if (n === 0 || i + n > bytes.length) return [0, 0];
  let cp = b & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    const c = bytes[i + k];
    if ((c & 0xc0) !== 0x80) return [0, 0];
    cp = (cp << 6) | (c & 0x3f);
  }
  // overlong forms, UTF-16 surrogates and values past U+10FFFF are not valid UTF-8
  if ((n === 3 && cp < 0x800) || (n === 4 && (cp < 0x10000 || cp > 0x10ffff))) return [0, 0];
  if (cp >= 0xd800 && cp <= 0xdfff) return [0, 0];
  return [cp, n];
}

/** The kernel's bytes of a name kept by decodeComm. */
export function commBytes(comm: string): Buffer {
  const parts: Buffer[] = [];
  for (const ch of comm) {
    const c = ch.codePointAt(0)!;
    parts.push(
      c >= SURROGATE_BASE + 0x80 && c <= SURROGATE_BASE + 0xff
        ? Buffer.of(c - SURROGATE_BASE)
        : Buffer.from(ch, 'utf8'),
    );
  }
  return Buffer.concat(parts);
}

/** Characters written as their bytes in a recording: C1 controls, separators, bidi controls, BOM. */
const UNSAFE_CHAR =
  /^[\u0080-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]$/;

/**
 * The name as a recording writes it: printable text as it is; a backslash doubled; control
 * bytes, DEL, bytes that are not valid UTF-8, and the bytes of characters that could act on a
 * terminal or reorder a line (C1 controls, bidi controls, line separators, BOM) as `\xNN`. The
 * field is then one line, safe to grep or cat, and commFromCsv gives back the exact bytes.
 */
export function commToCsv(comm: string): string {
  let out = '';
  for (const ch of comm) {
    const c = ch.codePointAt(0)!;
    if (c === 0x5c) out += '\\\\';
    else if (c < 0x20 || c === 0x7f) out += hex(c);
    else if (c >= SURROGATE_BASE + 0x80 && c <= SURROGATE_BASE + 0xff)
      out += hex(c - SURROGATE_BASE);
    else if (UNSAFE_CHAR.test(ch)) for (const b of Buffer.from(ch, 'utf8')) out += hex(b);
    else out += ch;
  }
  return out;
}

const hex = (b: number): string => `\\x${b.toString(16).padStart(2, '0')}`;

/** The name a recording's field holds (the inverse of commToCsv). */
export function commFromCsv(field: string): string {
  if (!field.includes('\\')) return field;
  const bytes: number[] = [];
  for (let i = 0; i < field.length;) {
    if (field[i] === '\\') {
      if (field[i + 1] === '\\') {
        bytes.push(0x5c);
        i += 2;
        continue;
      }
      const m = /^x([0-9a-fA-F]{2})/.exec(field.slice(i + 1, i + 4));
      if (m) {
        bytes.push(parseInt(m[1], 16));
        i += 4;
        continue;
      }
    }
    const cp = field.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
    i += ch.length;
  }
  return decodeComm(Uint8Array.from(bytes));
}
