/**
 * The record scanner of the recording reader: finds where each field of one CSV record starts
 * and ends in a buffer of bytes (RFC 4180: quoted fields, doubled quotes, embedded newlines; CRLF
 * accepted; a bare CR inside an unquoted field is data, as csv-writer does not quote it). It
 * copies nothing: the reader converts the fields in place.
 */

export const LF = 0x0a;
export const CR = 0x0d;
export const QUOTE = 0x22;
export const COMMA = 0x2c;
/** Command names are short: a quoted field this long means an unbalanced quote. */
const MAX_QUOTED_BYTES = 4096;
/** More fields than any recording row has. */
const MAX_FIELDS = 16;

export enum Scan {
  /** A whole record was found. */
  Ok = 0,
  /** The record goes on past the end of the buffer: give more bytes. */
  NeedMore = 1,
  /** A malformed record, skipped up to its newline (recordEnd). */
  Error = 2,
  /** A record cut short by the end of the data (an unterminated quote at EOF). */
  Truncated = 3,
}

export class RecordScanner {
  /** Start, end and quoting (0 plain, 1 quoted, 2 quoted with doubled quotes) of each field. */
  readonly fs = new Int32Array(MAX_FIELDS);
  readonly fe = new Int32Array(MAX_FIELDS);
  readonly fq = new Uint8Array(MAX_FIELDS);
  nfields = 0;
  /** Newlines inside quoted fields of the record. */
  innerLines = 0;
  /** The offset after the record's newline. */
  recordEnd = 0;
  /** Why the record is malformed. */
  error = '';

  /**
   * Finds the fields of the record at `p`: fills fs/fe/fq/nfields, recordEnd (the offset after
   * its newline) and innerLines (newlines inside quotes); on Error and Truncated, `error` says why.
   */
  scan(buf: Buffer, p: number, end: number, atEof: boolean): Scan {
    const fs = this.fs;
    const fe = this.fe;
    const fq = this.fq;
    let nf = 0;
    let i = p;
    this.innerLines = 0;
    for (;;) {
      if (nf === MAX_FIELDS) {
        const nl = buf.indexOf(LF, i);
        if (nl < 0 && !atEof) return Scan.NeedMore;
        this.recordEnd = nl < 0 ? end : nl + 1;
        this.error = 'too many fields';
        return Scan.Error;
      }
      // (an empty last field at the end of the data takes the unquoted path below)
      if (i < end && buf[i] === QUOTE) {
        let j = i + 1;
        let doubled = false;
        let lines = 0;
        for (;;) {
          if (j >= end) {
            if (!atEof) return Scan.NeedMore;
            this.error = 'unterminated quoted field';
            this.recordEnd = end;
            return Scan.Truncated;
          }
          const c = buf[j];
          if (c === QUOTE) {
            if (j + 1 >= end && !atEof) return Scan.NeedMore;
            if (buf[j + 1] === QUOTE) {
              doubled = true;
              j += 2;
              continue;
            }
            break;
          }
          if (c === LF) lines++;
          if (j - i > MAX_QUOTED_BYTES) {
            // An opening quote never closed: resynchronise at the first newline after it.
            this.innerLines = 0;
            return this.badRecord(buf, i, end, atEof, 'unterminated quoted field');
          }
          j++;
        }
        this.innerLines += lines;
        fs[nf] = i + 1;
        fe[nf] = j;
        fq[nf] = doubled ? 2 : 1;
        nf++;
        i = j + 1;
        if (i >= end) {
          if (!atEof) return Scan.NeedMore;
          this.nfields = nf;
          this.recordEnd = end;
          return Scan.Ok;
        }
        const c = buf[i];
        if (c === COMMA) {
          i++;
          continue;
        }
        if (c === LF || (c === CR && i + 1 < end && buf[i + 1] === LF)) {
          this.nfields = nf;
          this.recordEnd = c === LF ? i + 1 : i + 2;
          return Scan.Ok;
        }
        if (c === CR && i + 1 >= end && !atEof) return Scan.NeedMore;
        return this.badRecord(buf, i, end, atEof, 'unexpected character after a closing quote');
      }
      let j = i;
      let c = 0;
      while (j < end) {
        c = buf[j];
        if (c === COMMA || c === LF) break;
        if (c === QUOTE)
          return this.badRecord(buf, j, end, atEof, 'quote inside an unquoted field');
        j++;
      }
      if (j >= end) {
        if (!atEof) return Scan.NeedMore;
        fs[nf] = i;
        fe[nf] = j;
        fq[nf] = 0;
        this.nfields = nf + 1;
        this.recordEnd = end;
        return Scan.Ok;
      }
      fs[nf] = i;
      fq[nf] = 0;
      if (c === COMMA) {
        fe[nf] = j;
        nf++;
        i = j + 1;
        continue;
      }
      fe[nf] = j > i && buf[j - 1] === CR ? j - 1 : j;
      this.nfields = nf + 1;
      this.recordEnd = j + 1;
      return Scan.Ok;
    }
  }

  private badRecord(buf: Buffer, from: number, end: number, atEof: boolean, why: string): Scan {
    const nl = buf.indexOf(LF, from);
    if (nl < 0 && !atEof) return Scan.NeedMore;
    this.recordEnd = nl < 0 ? end : nl + 1;
    this.error = why;
    return Scan.Error;
  }
}
