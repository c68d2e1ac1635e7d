/**
 * Parses bpftrace's standard output into IoEvents.
 *
 * Every line our bpftrace program prints starts with a per-session random token and ends with it:
 *   <tok>E\t<mono_ns>\t<pid>\t<opcode>\t<fd>\t<offset>\t<length>\t<result>\t<latency_ns>\t<flags>\t<comm>\t<tok>
 *   <tok>O\t<opcode>\t<kernel op_str>\t<tok>          (first time an opcode is seen)
 *   <tok>R\t<tok>                                     (the program is attached and running)
 * plus `@name: N` lines from print() of in-kernel counters, and bpftrace's own messages.
 *
 * The command name is the only free text, and it is attacker-controlled: it may hold tabs and
 * newlines. Fixed numeric fields are read from the left, the trailer token from the right, and a
 * line that starts an event but lacks the trailer is joined with the following line(s) (the comm
 * held a newline). A process cannot forge a line: it does not know the token, and a comm holds at
 * most 15 bytes. Anything that is not ours is handed to onNotice, never parsed as an event.
 */
import { decodeComm } from '../model/comm.js';
import { emptyEvent, type IoEvent } from '../model/event.js';

export const EVENT_FLAG_NO_SUBMIT = 1; // completion without a submit record (in flight at start, or the in-flight map was full)
export const EVENT_FLAG_MULTISHOT = 2; // an intermediate completion of a multishot request (latency since the previous one)

export interface ParserOptions {
  token: string;
  /** Wall-clock µs minus monotonic µs: tsUs = floor(mono_ns / 1000) + this. */
  monoToWallOffsetUs: number;
  onEvent(ev: IoEvent): void;
  onOpcodeName?(code: number, name: string): void;
  onReady?(): void;
  /** An in-kernel counter printed with print(@name). */
  onCounter?(name: string, value: number): void;
  /** Any other line: bpftrace's own output (attach messages, warnings, "Lost N events"). */
  onNotice(line: string): void;
}

/** Longest run of extra lines an event line may be spread over (a 15-byte comm of newlines). */
const MAX_JOINED_LINES = 16;
const TAB = 9;
const MINUS = 45;

export class LineParser {
  private rest = '';
  private pending = '';
  private pendingLines = 0;
  private readonly ev = emptyEvent();
  private readonly commByPid = new Map<number, string>();
  private readonly tok: string;
  private readonly evPrefix: string;
  private readonly trailer: string;
  /** Lines that looked like ours but could not be parsed. */
  malformed = 0;
  events = 0;

  constructor(private readonly opts: ParserOptions) {
    if (!/^[0-9a-f]{8,32}$/.test(opts.token))
      throw new Error('parser token must be 8-32 hex digits');
    this.tok = opts.token;
    this.evPrefix = `${opts.token}E\t`;
    this.trailer = `\t${opts.token}`;
  }

  /** Feed a chunk of output; complete lines are processed at once, a partial one is kept. */
  feed(chunk: string): void {
    let text = this.rest.length > 0 ? this.rest + chunk : chunk;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.line(text.slice(start, nl));
      start = nl + 1;
    }
    this.rest = start < text.length ? text.slice(start) : '';
    text = '';
  }

  /** End of stream: a trailing partial line is processed as if complete. */
  end(): void {
    if (this.rest.length > 0) {
      const last = this.rest;
      this.rest = '';
      this.line(last);
    }
    if (this.pending.length > 0) this.flushPending();
  }

  private flushPending(): void {
    this.malformed++;
    this.opts.onNotice(`unparsable event line: ${this.pending}`);
    this.pending = '';
    this.pendingLines = 0;
  }

  private line(line: string): void {
    if (this.pending.length > 0) {
      if (line.startsWith(this.tok)) {
        // A new line of ours began before the pending one was finished: the pending one is broken.
        this.flushPending();
      } else {
        this.pending += '\n' + line;
        this.pendingLines++;
        if (this.pending.endsWith(this.trailer)) {
          const full = this.pending;
          this.pending = '';
          this.pendingLines = 0;
          if (!this.event(full)) this.bad(full);
        } else if (this.pendingLines >= MAX_JOINED_LINES) {
          this.flushPending();
        }
        return;
      }
    }
    if (line.startsWith(this.evPrefix)) {
      if (!line.endsWith(this.trailer)) {
        this.pending = line;
        this.pendingLines = 0;
        return;
      }
      if (!this.event(line)) this.bad(line);
      return;
    }
    if (line.startsWith(this.tok)) {
      this.control(line);
      return;
    }
    if (line.charCodeAt(0) === 64 /* @ */) {
      const m = /^@(\w+): (\d+)$/.exec(line);
      if (m) {
        this.opts.onCounter?.(m[1], Number(m[2]));
        return;
      }
    }
    if (line.length > 0) this.opts.onNotice(line);
  }

  private bad(line: string): void {
    this.malformed++;
    this.opts.onNotice(`unparsable event line: ${line}`);
  }

  private control(line: string): void {
    const kind = line.charCodeAt(this.tok.length);
    if (!line.endsWith(this.trailer)) return this.bad(line);
    const body = line.slice(this.tok.length + 1, line.length - this.trailer.length);
    if (kind === 82 /* R */) {
      this.opts.onReady?.();
    } else if (kind === 79 /* O */) {
      const parts = body.split('\t');
      const code = Number(parts[1]);
      if (parts.length === 3 && Number.isInteger(code)) this.opts.onOpcodeName?.(code, parts[2]);
      else this.bad(line);
    } else {
      this.bad(line);
    }
  }

  // Field cursor for the allocation-free integer reader.
  private pos = 0;

  /** Reads a signed decimal integer at this.pos up to the next TAB; NaN if malformed. */
  private int(line: string): number {
    let i = this.pos;
    const n = line.length;
    let neg = false;
    if (line.charCodeAt(i) === MINUS) {
      neg = true;
      i++;
    }
    const first = i;
    let v = 0;
    while (i < n) {
      const c = line.charCodeAt(i);
      if (c === TAB) break;
      const d = c - 48;
      if (d < 0 || d > 9) return NaN;
      v = v * 10 + d;
      i++;
    }
    if (i === first || i >= n) return NaN;
    this.pos = i + 1;
    return neg ? -v : v;
  }

  private event(line: string): boolean {
    this.pos = this.evPrefix.length;
    const monoNs = this.int(line);
    const pid = this.int(line);
    const opcode = this.int(line);
    const fd = this.int(line);
    const offset = this.int(line);
    const length = this.int(line);
    const result = this.int(line);
    const latencyNs = this.int(line);
    const flags = this.int(line);
    if (Number.isNaN(flags) || Number.isNaN(latencyNs) || Number.isNaN(result)) return false;
    if (Number.isNaN(length) || Number.isNaN(offset) || Number.isNaN(fd)) return false;
    if (Number.isNaN(opcode) || Number.isNaN(pid) || Number.isNaN(monoNs)) return false;
    if (opcode < 0 || opcode > 255 || pid < 0) return false;
    const commEnd = line.length - this.trailer.length;
    if (commEnd < this.pos) return false;
    const ev = this.ev;
    ev.tsUs = Math.floor(monoNs / 1000) + this.opts.monoToWallOffsetUs;
    ev.pid = pid;
    ev.comm = this.comm(pid, line, this.pos, commEnd);
    ev.opcode = opcode;
    ev.fd = fd;
    // ki_pos -1 means "the file's current position": no explicit offset.
    ev.offset = offset < 0 ? 0 : offset;
    ev.length = length < 0 ? 0 : length;
    ev.result = result;
    ev.hasResult = true;
    ev.latencyNs = latencyNs > 0 ? latencyNs : 0;
    this.events++;
    this.opts.onEvent(ev);
    return true;
  }

  /**
   * The command name for pid, reusing the cached string when the bytes are unchanged: no
   * allocation on the common path, and no slice that pins the whole chunk in memory.
   */
  private comm(pid: number, line: string, from: number, to: number): string {
    const cached = this.commByPid.get(pid);
    const len = to - from;
    if (cached !== undefined && cached.length === len) {
      let same = true;
      for (let i = 0; i < len; i++) {
        if (cached.charCodeAt(i) !== line.charCodeAt(from + i)) {
          same = false;
          break;
        }
      }
      if (same) return cached;
    }
    // the output is read as latin1 (one char per byte): the name's bytes, exactly
    const fresh = decodeComm(Buffer.from(line.slice(from, to), 'latin1'));
    if (this.commByPid.size > 65536) this.commByPid.clear();
    this.commByPid.set(pid, fresh);
    return fresh;
  }
}

/** wall-clock µs minus CLOCK_MONOTONIC µs, which is what bpftrace's nsecs counts. */
export function monoToWallOffsetUs(): number {
  // performance.timeOrigin + performance.now() is wall time with sub-ms precision;
  // process.hrtime is CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns.
  const mono1 = process.hrtime.bigint();
  const wallMs = performance.timeOrigin + performance.now();
  const mono2 = process.hrtime.bigint();
  const monoUs = Number((mono1 + mono2) / 2000n);
  return Math.round(wallMs * 1000) - monoUs;
}
