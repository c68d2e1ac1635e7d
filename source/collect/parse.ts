/**
 * Parses bpftrace's standard output (read as latin1: one char per byte) into IoEvents, process
 * names, counters and control lines. The line formats are bpf/program.ts's:
 *   <tok>E\t<mono_ns>\t<latency_ns>\t<a hex>\t<offset>\t<b hex>[\t<the next event's five>…]\t<tok>
 *       one or more events (a CPU's, in order): a = tgid | flags<<22 | opcode<<24 | fd<<32,
 *       b = length | result<<32 (fd and result as u32; a registered-file index is an fd with
 *       bit 30 set, see model/event.ts: packFd); opcode 255 is an io_uring_enter call
 *   @qn[<cpu>]: <n>, then @q[<cpu>, <i>]: (<mono_ns>, <latency_ns>, <a>, <offset>, <b>)
 *       at the end, the events a CPU still held: its first n
 *   <tok>N\t<tgid>\t<comm>\t<tok>          a process's name (before its events, or after a change)
 *   <tok>X\t<tgid>\t<comm>\t<tok>          a process ended, under this name
 *   <tok>C\t<ctx>\t<tgid>\t<tok>           a ring (its kernel address) and its owner
 *   <tok>A\t<map>\t<mono_ns>\t<tok>        an in-flight map was full, and was emptied
 *   <tok>O\t<opcode>\t<kernel op_str>\t<tok>
 *   <tok>R\t<mono_ns>\t<tok>               the program is attached and running
 *   <tok>T\t<mono_ns>\t<tok>               the counters printed since the last T are complete
 *   <tok>F\t<mono_ns>\t<tok>               the same, for the final counters (bpftrace's END)
 *   @name[k1, k2, …]: N  and  @name: N     the counters (bpftrace's print; keys may be negative)
 * plus bpftrace's own messages.
 *
 * The command name is the only free text, and it is attacker-controlled: it may hold tabs and
 * newlines. In an N line the tgid is read from the left and the trailer token from the right,
 * and a line that starts an N but lacks the trailer is joined with the following line(s) (the
 * comm held a newline). A process cannot forge a line: it does not know the token, and a comm
 * holds at most 15 bytes. Anything that is not ours is handed to onNotice, never parsed.
 */
import { decodeComm } from '../model/comm.js';
import { emptyEvent, fdOf, isFixedFd, type IoEvent } from '../model/event.js';

export interface ParserOptions {
  token: string;
  /** Wall-clock µs minus monotonic µs: tsUs = floor(mono_ns / 1000) + this. */
  monoToWallOffsetUs: number;
  onEvent(ev: IoEvent): void;
  onOpcodeName?(code: number, name: string): void;
  /** Attached, at this wall-clock time (µs). */
  onReady?(tsUs: number): void;
  /** A counter printed with print(@name): its key parts (none for a scalar) and value. */
  onCounter?(name: string, keys: readonly number[], value: number): void;
  /**
   * The counters printed since the previous call are complete as of this wall-clock time (µs);
   * `final`: they are the program's last (its END block's).
   */
  onCountersEnd?(tsUs: number, final: boolean): void;
  /** A process was named (an N line). */
  onProcessName?(tgid: number): void;
  /** A process ended (its last name is then its name). */
  onProcessExit?(tgid: number): void;
  /** A ring's owner: `ctx` is the ring's kernel address, exactly. */
  onRingOwner?(ctx: bigint, tgid: number): void;
  /** An in-flight map was full and was emptied, at this wall-clock time (µs). */
  onMapCleared?(map: string, tsUs: number): void;
  /** The name of a process whose name was not (yet) announced: /proc's, by default. */
  lookupComm?(tgid: number): string;
  /** Any other line: bpftrace's own output (attach messages, warnings, "Lost N events"). */
  onNotice(line: string): void;
}

/** The most events an E line may carry (bpf/program.ts: EVENT_BATCH, with room to spare). */
const MAX_LINE_EVENTS = 64;
/** Longest run of extra lines a name line may be spread over (a 15-byte comm of newlines). */
const MAX_JOINED_LINES = 16;
const TAB = 9;
const MINUS = 45;

export class LineParser {
  private rest = '';
  private pending = '';
  private pendingLines = 0;
  private readonly ev = emptyEvent();
  private readonly comms = new Map<number, string>();
  private readonly tok: string;
  private readonly evPrefix: string;
  /** At the end: how many of its held events each CPU's @q entries are (see bpf/program.ts). */
  private readonly held = new Map<number, number>();
  private readonly namePrefix: string;
  private readonly exitPrefix: string;
  private readonly trailer: string;
  private readonly keys: number[] = [];
  /** Lines that looked like ours but could not be parsed. */
  malformed = 0;
  events = 0;

  constructor(private readonly opts: ParserOptions) {
    if (!/^[0-9a-f]{8,32}$/.test(opts.token))
      throw new Error('parser token must be 8-32 hex digits');
    this.tok = opts.token;
    this.evPrefix = `${opts.token}E\t`;
    this.namePrefix = `${opts.token}N\t`;
    this.exitPrefix = `${opts.token}X\t`;
    this.trailer = `\t${opts.token}`;
  }

  /**
   * Feed a chunk of output; complete lines are processed at once, a partial one is kept. Lines
   * are read from the chunk itself (a flat string, fast to read by index), only the one that
   * straddles two chunks is joined.
   */
  feed(chunk: string): void {
    let start = 0;
    if (this.rest.length > 0) {
      const nl = chunk.indexOf('\n');
      if (nl < 0) {
        this.rest += chunk;
        return;
      }
      const first = this.rest + chunk.slice(0, nl);
      this.rest = '';
      this.line(first, 0, first.length);
      start = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) break;
      this.line(chunk, start, nl);
      start = nl + 1;
    }
    this.rest = start < chunk.length ? chunk.slice(start) : '';
  }

  /** End of stream: a trailing partial line is processed as if complete. */
  end(): void {
    if (this.rest.length > 0) {
      const last = this.rest;
      this.rest = '';
      this.line(last, 0, last.length);
    }
    if (this.pending.length > 0) this.flushPending();
  }

  /** The name of `tgid` as last announced (or looked up). */
  commOf(tgid: number): string {
    let c = this.comms.get(tgid);
    if (c === undefined) {
      c = this.opts.lookupComm?.(tgid) ?? '?';
      this.setComm(tgid, c);
    }
    return c;
  }

  private setComm(tgid: number, comm: string): void {
    if (this.comms.size > 65536) this.comms.clear();
    this.comms.set(tgid, comm);
  }

  private flushPending(): void {
    this.malformed++;
    this.opts.onNotice(`unparsable line: ${this.pending}`);
    this.pending = '';
    this.pendingLines = 0;
  }

  private startsWith(text: string, at: number, prefix: string): boolean {
    return text.startsWith(prefix, at);
  }

  private line(text: string, s: number, e: number): void {
    // the hot path: an event line, parsed in place
    if (this.pending.length === 0 && this.startsWith(text, s, this.evPrefix)) {
      if (!this.eventLine(text, s + this.evPrefix.length, e)) this.bad(text.slice(s, e));
      return;
    }
    const line = text.slice(s, e);
    if (this.pending.length > 0) {
      if (line.startsWith(this.tok)) {
        // A new line of ours began before the pending one was finished: the pending one is broken.
        this.flushPending();
        this.line(text, s, e);
        return;
      } else {
        this.pending += '\n' + line;
        this.pendingLines++;
        if (this.pending.endsWith(this.trailer)) {
          const full = this.pending;
          this.pending = '';
          this.pendingLines = 0;
          this.name(full);
        } else if (this.pendingLines >= MAX_JOINED_LINES) {
          this.flushPending();
        }
        return;
      }
    }
    if (line.startsWith(this.namePrefix) || line.startsWith(this.exitPrefix)) {
      if (!line.endsWith(this.trailer)) {
        this.pending = line;
        this.pendingLines = 0;
        return;
      }
      this.name(line);
      return;
    }
    if (line.startsWith(this.tok)) {
      this.control(line);
      return;
    }
    if (line.charCodeAt(0) === 64 /* @ */) {
      if (line.startsWith('@q[') || line.startsWith('@qn[')) {
        if (!this.heldEvent(line)) this.bad(line);
        return;
      }
      if (this.counter(line)) return;
    }
    if (line.length > 0) this.opts.onNotice(line);
  }

  private bad(line: string): void {
    this.malformed++;
    this.opts.onNotice(`unparsable line: ${line}`);
  }

  /** `@name[1, 2, 3]: 4` or `@name: 4`; false when it is not a counter line. */
  private counter(line: string): boolean {
    const m = /^@(\w+)(?:\[([-0-9, ]*)\])?: (-?\d+)$/.exec(line);
    if (!m) return false;
    const keys = this.keys;
    keys.length = 0;
    if (m[2] !== undefined) for (const k of m[2].split(', ')) keys.push(Number(k));
    this.opts.onCounter?.(m[1], keys, Number(m[3]));
    return true;
  }

  /** An N line (a name) or an X line (a process's end, under its last name). */
  private name(line: string): void {
    const body = line.slice(this.namePrefix.length, line.length - this.trailer.length);
    const tab = body.indexOf('\t');
    const tgid = Number(body.slice(0, tab));
    if (tab < 1 || !Number.isInteger(tgid) || tgid < 0) return this.bad(line);
    // the name's bytes, exactly (the output is read as latin1)
    this.setComm(tgid, decodeComm(Buffer.from(body.slice(tab + 1), 'latin1')));
    if (line.startsWith(this.exitPrefix)) this.opts.onProcessExit?.(tgid);
    else this.opts.onProcessName?.(tgid);
  }

  private control(line: string): void {
    const kind = line.charCodeAt(this.tok.length);
    if (!line.endsWith(this.trailer)) return this.bad(line);
    const body = line.slice(this.tok.length + 1, line.length - this.trailer.length);
    const parts = body.split('\t');
    if (kind === 82 /* R */ || kind === 84 /* T */ || kind === 70 /* F */) {
      const ns = Number(parts[1]);
      if (parts.length !== 2 || !Number.isFinite(ns)) return this.bad(line);
      const tsUs = Math.floor(ns / 1000) + this.opts.monoToWallOffsetUs;
      if (kind === 82) this.opts.onReady?.(tsUs);
      else this.opts.onCountersEnd?.(tsUs, kind === 70);
    } else if (kind === 67 /* C */) {
      const tgid = Number(parts[2]);
      if (parts.length !== 3 || !/^\d{1,20}$/.test(parts[1]) || !Number.isInteger(tgid))
        return this.bad(line);
      this.opts.onRingOwner?.(BigInt(parts[1]), tgid);
    } else if (kind === 65 /* A */) {
      const ns = Number(parts[2]);
      if (parts.length !== 3 || !Number.isFinite(ns)) return this.bad(line);
      this.opts.onMapCleared?.(parts[1], Math.floor(ns / 1000) + this.opts.monoToWallOffsetUs);
    } else if (kind === 79 /* O */) {
      const code = Number(parts[1]);
      // (bpftrace 0.23 reads op_str as an empty string: such a name is no name)
      if (parts.length === 3 && Number.isInteger(code)) {
        if (parts[2] !== '') this.opts.onOpcodeName?.(code, parts[2]);
      } else this.bad(line);
    } else {
      this.bad(line);
    }
  }

  // Field cursor for the allocation-free readers.
  private pos = 0;

  /** A decimal integer (optionally signed) at this.pos up to the next TAB; NaN if malformed. */
  private dec(text: string, end: number): number {
    let i = this.pos;
    let neg = false;
    if (text.charCodeAt(i) === MINUS) {
      neg = true;
      i++;
    }
    const first = i;
    let v = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === TAB) break;
      const d = c - 48;
      if (d < 0 || d > 9) return NaN;
      v = v * 10 + d;
      i++;
    }
    if (i === first || i >= end) return NaN;
    this.pos = i + 1;
    return neg ? -v : v;
  }

  private hi = 0;
  private lo = 0;

  /** A hex u64 at this.pos into this.hi / this.lo (32 bits each); false if malformed. */
  private hex64(text: string, end: number): boolean {
    let i = this.pos;
    const first = i;
    let hi = 0;
    let lo = 0;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === TAB) break;
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
      if (d < 0) return false;
      // one pass, 4 bits at a time: the top nibble of lo moves into hi
      hi = ((hi << 4) | (lo >>> 28)) >>> 0;
      lo = ((lo << 4) | d) >>> 0;
    }
    const n = i - first;
    if (n === 0 || n > 16 || i >= end) return false;
    this.lo = lo;
    this.hi = hi;
    this.pos = i + 1;
    return true;
  }

  /**
   * An E line: one or more events, each five fields. Nothing is emitted unless the whole line
   * reads (a line cut short by a lost buffer is reported, not half taken).
   */
  private eventLine(text: string, from: number, end: number): boolean {
    this.pos = from;
    let n = 0;
    const f = this.fields;
    for (;;) {
      const monoNs = this.dec(text, end);
      const latencyNs = this.dec(text, end);
      if (Number.isNaN(monoNs) || Number.isNaN(latencyNs) || !this.hex64(text, end)) return false;
      const aLo = this.lo;
      const aHi = this.hi;
      const offset = this.dec(text, end);
      if (Number.isNaN(offset) || !this.hex64(text, end)) return false;
      f[n] = monoNs;
      f[n + 1] = latencyNs;
      f[n + 2] = aLo;
      f[n + 3] = aHi;
      f[n + 4] = offset;
      f[n + 5] = this.lo;
      f[n + 6] = this.hi;
      n += 7;
      // what is left is the trailer, exactly, or the next event
      if (this.pos - 1 + this.trailer.length === end) break;
      if (n >= MAX_LINE_EVENTS * 7) return false;
    }
    if (!text.startsWith(this.trailer, this.pos - 1)) return false;
    for (let k = 0; k < n; k += 7)
      this.emit(f[k], f[k + 1], f[k + 2], f[k + 3], f[k + 4], f[k + 5], f[k + 6]);
    return true;
  }

  private readonly fields: number[] = [];

  private emit(
    monoNs: number,
    latencyNs: number,
    aLo: number,
    aHi: number,
    offset: number,
    bLo: number,
    bHi: number,
  ): void {
    const tgid = aLo & 0x3fffff;
    const ev = this.ev;
    ev.tsUs = Math.floor(monoNs / 1000) + this.opts.monoToWallOffsetUs;
    ev.pid = tgid;
    ev.comm = this.commOf(tgid);
    ev.opcode = aLo >>> 24;
    // the u32 back to a signed int (-100 is AT_FDCWD), or a registered-file index
    ev.fd = fdOf(aHi);
    ev.fixedFile = isFixedFd(aHi);
    // ki_pos -1 means "the file's current position": no explicit offset.
    ev.offset = offset < 0 ? 0 : offset;
    ev.length = bLo >>> 0;
    ev.result = bHi | 0;
    ev.hasResult = true;
    ev.latencyNs = latencyNs > 0 ? latencyNs : 0;
    this.events++;
    this.opts.onEvent(ev);
  }

  /**
   * `@qn[cpu]: n` (how many events the CPU held at the end), or one of them,
   * `@q[cpu, i]: (mono_ns, latency_ns, a, offset, b)` in decimal (a and b 64-bit exact): taken
   * when i < n (the map keeps entries already sent).
   */
  private heldEvent(line: string): boolean {
    const count = /^@qn\[(\d+)\]: (\d+)$/.exec(line);
    if (count) {
      this.held.set(Number(count[1]), Number(count[2]));
      return true;
    }
    const m = /^@q\[(\d+), (\d+)\]: \((\d+), (\d+), (\d+), (-?\d+), (\d+)\)$/.exec(line);
    if (!m) return false;
    if (Number(m[2]) >= (this.held.get(Number(m[1])) ?? 0)) return true;
    const a = BigInt(m[5]);
    const b = BigInt(m[7]);
    const lo = (x: bigint): number => Number(x & 0xffffffffn);
    const hi = (x: bigint): number => Number((x >> 32n) & 0xffffffffn);
    this.emit(Number(m[3]), Number(m[4]), lo(a), hi(a), Number(m[6]), lo(b), hi(b));
    return true;
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
