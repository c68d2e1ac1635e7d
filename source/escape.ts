/**
 * The one escape for untrusted text (process names, file names, paths, rows of a shared
 * recording, bpftrace's messages) before it reaches a terminal, a report or an error message.
 *
 * Escaped, as visible and unambiguous sequences:
 * - C0 controls and DEL: `\n`, `\r`, `\t`, else `\xNN`;
 * - C1 controls (U+0080–U+009F, which some terminals take as escape introducers): `\u0080` …
 *   `\u009f`, never `\xNN`, which for 0x80 and above stands for a byte that is not UTF-8;
 * - the line and paragraph separators U+2028/U+2029;
 * - every bidirectional control that can reorder the rest of a line: ALM U+061C, LRM/RLM
 *   U+200E/U+200F, LRE…RLO U+202A–U+202E, LRI…PDI U+2066–U+2069; and the BOM U+FEFF;
 * - lone UTF-16 surrogates: `\xNN` for U+DC80–U+DCFF, which stand for a byte that was not valid
 *   UTF-8 in a command name (model/comm.ts), `\udXXX` for the others;
 * - the backslash itself (`\\`), so that an escape in the output always means an escaped character.
 *
 * So the escape is one to one: two different names never give the same text (a metric label, a
 * key), and the text says which name it was. `\xNN` is a byte (below 0x80 the character of that
 * code, from 0x80 a byte that is not UTF-8), `\uXXXX` a character or a lone surrogate.
 *
 * Printable text, the common case, comes back unchanged without allocating.
 */

const UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\\]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

function escapeChar(ch: string): string {
  switch (ch) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\\':
      return '\\\\';
  }
  const code = ch.charCodeAt(0);
  if (code >= 0xdc80 && code <= 0xdcff) return `\\x${(code - 0xdc00).toString(16)}`;
  return code < 0x80
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` made safe to print (see the module comment), cut to at most `max` characters of output
 * with an ellipsis when it is longer.
 */
export function escape(text: string, max = Infinity): string {
  const out = UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escapeChar) : text;
  if (out.length <= max) return out;
  // Cut between whole pieces: never inside an escape sequence or a surrogate pair.
  let cut = '';
  for (const ch of text) {
    const piece = UNSAFE.test(ch) ? ch.replace(UNSAFE_ALL, escapeChar) : ch;
    if (cut.length + piece.length > max) break;
    cut += piece;
  }
  return `${cut}…`;
}
