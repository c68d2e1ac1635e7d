/**
 * Keeps the kernel's counter maps from filling up under process churn (a build, a CGI server: tens
 * of thousands of short-lived processes an hour). Every process with io_uring activity has keys
 * in the maps; once a process has ended and its last counts are in, its keys are deleted through
 * the program's control channel (bpf/probes/control.ts), and forgotten here.
 *
 * "Its last counts are in": its end was seen (the program's X line, or, where that line was lost,
 * its /proc entry gone), at least GRACE_US have passed (a ring torn down after its process left
 * still posts CQEs, from a kernel worker, on its owner), and its counts did not change in the last
 * complete round. A pid used again before its keys go (its name announced anew, or its counts
 * rising) keeps them: the new process's counts then continue the old ones' row, as a pid's row
 * always has.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { COMMAND_BYTES, COMMANDS_PER_CALL, TICK_OFFSET } from '../../bpf/probes/control.js';
import { COUNTER_MAPS, OWNER_MAP_ID } from '../../bpf/maps.js';
import type { ControlChannel } from '../../bpf/spec.js';
import type { CountsCollector } from './counts.js';

/** Time after a process's end before its keys go (µs). */
export const GRACE_US = 1_000_000;
/** How often processes are looked for in /proc, when their end line may have been lost (µs). */
const PROC_SCAN_US = 10_000_000;

const MAP_IDS = new Map<string, number>(COUNTER_MAPS.map((m) => [m.name, m.id]));

/** Writes command records and ticks to the program's control channel: pwrite(2)s to our /dev/null. */
export class ControlWriter {
  readonly channel: ControlChannel;
  private fd: number;
  private readonly buf = Buffer.alloc(COMMAND_BYTES * COMMANDS_PER_CALL);
  private n = 0;
  /** Commands written. */
  written = 0;
  /** Commands pushed (written or waiting in the buffer). */
  pushed = 0;

  constructor(magic: number) {
    this.fd = openSync('/dev/null', 'w');
    this.channel = { pid: process.pid, fd: this.fd, magic };
  }

  /** One command: a map's id and up to three keys (signed keys as two's complement). */
  push(id: number, keys: readonly (number | bigint)[]): void {
    this.pushed++;
    const at = this.n * COMMAND_BYTES;
    this.buf.writeBigUInt64LE(BigInt(id), at);
    for (let i = 0; i < 3; i++) {
      const k = keys[i] ?? 0;
      this.buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(k)), at + 8 * (i + 1));
    }
    if (++this.n === COMMANDS_PER_CALL) this.flush();
  }

  flush(): void {
    if (this.n === 0 || this.fd < 0) return;
    writeSync(this.fd, this.buf, 0, this.n * COMMAND_BYTES, this.channel.magic);
    this.written += this.n;
    this.n = 0;
  }

  /** The tick: the program prints its counters. */
  tick(): void {
    if (this.fd >= 0) writeSync(this.fd, this.buf, 0, 1, this.channel.magic + TICK_OFFSET);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Whether a process is there and not a zombie. */
function running(tgid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${tgid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export class Reaper {
  /** Processes whose end was seen: when (µs, wall clock). */
  private readonly ended = new Map<number, number>();
  /** Rings and their owners: an owner's rings go with its keys. */
  private readonly rings = new Map<bigint, number>();
  private lastScanUs = 0;
  /** Processes whose keys were deleted. */
  reaped = 0;

  constructor(
    private readonly collector: CountsCollector,
    private readonly control: ControlWriter,
    private readonly alive: (tgid: number) => boolean = running,
  ) {}

  /** A process ended (its X line). */
  processEnded(tgid: number, atUs: number): void {
    if (!this.ended.has(tgid)) this.ended.set(tgid, atUs);
  }

  /** A process was named: if its pid had ended, it is a new process under that pid. */
  processNamed(tgid: number): void {
    this.ended.delete(tgid);
  }

  ringOwner(ctx: bigint, tgid: number): void {
    this.rings.set(ctx, tgid);
  }

  /** After each complete round of counts (as of `tsUs`): the keys of the processes that are done. */
  afterRound(tsUs: number): void {
    if (tsUs - this.lastScanUs >= PROC_SCAN_US) {
      this.lastScanUs = tsUs;
      for (const tgid of this.collector.processes())
        if (!this.ended.has(tgid) && !this.alive(tgid)) this.ended.set(tgid, tsUs);
    }
    for (const [tgid, at] of this.ended) {
      if (this.collector.changed.has(tgid)) {
        this.ended.set(tgid, Math.max(at, tsUs - GRACE_US / 2)); // late CQEs: wait a little more
        continue;
      }
      if (tsUs - at < GRACE_US) continue;
      this.ended.delete(tgid);
      const before = this.control.pushed;
      for (const k of this.collector.keysOfProcess(tgid)) {
        const id = MAP_IDS.get(k.map);
        if (id !== undefined) this.control.push(id, k.keys);
      }
      for (const [ctx, owner] of this.rings) {
        if (owner !== tgid) continue;
        this.control.push(OWNER_MAP_ID, [ctx]);
        this.rings.delete(ctx);
      }
      this.collector.forget(tgid, Date.now() * 1000);
      // every process's end is seen; only those that had keys are counted as reaped
      if (this.control.pushed > before) this.reaped++;
    }
    this.control.flush();
  }
}
