/**
 * A live session's recordings: the one open now (if any), the `R` toggle that opens and closes
 * them, the free-space guard (--min-free) that stops one before the disk fills, and what is
 * written beside each (its metadata, the file names /proc gave). The capture feeds it events and
 * counts; it asks the capture for what it does not know itself (the metadata's capture facts,
 * when the probes attached and when the capture ended), through the hooks it is given.
 */
import path from 'node:path';
import { rm, statfs } from 'node:fs/promises';
import { IO_URING_ENTER } from '../../bpf/program.js';
import type { NoticeLevel } from '../collect/bpftrace.js';
import { minFreeBytes, type Config } from '../config.js';
import { escape } from '../escape.js';
import { formatBytes, formatCount } from '../format.js';
import type { CountsDelta } from '../model/counts.js';
import type { IoEvent } from '../model/event.js';
import type { OpcodeTable } from '../model/opcodes.js';
import type { FdResolver } from '../proc/files.js';
import { filesPathFor, writeFilesSidecar } from '../proc/sidecar.js';
import { CsvRecorder, RecordError } from '../record/csvWriter.js';
import { isoLocal, type SessionMetaInit } from '../record/meta.js';
import type { SourceStatus } from './facts.js';

/** Free space a recording leaves for its sidecars (counts, names), beyond 512 B a file name. */
const SIDECAR_RESERVE = 64 * 1024;

/** Bytes as the header writes them: "0", "12.3 KiB". */
const bytesText = (v: number): string => (v === 0 ? '0' : formatBytes(v));

export interface RecordingSessionOptions {
  config: Pick<Config, 'outputDir' | 'minFree' | 'compress' | 'recordingMode'>;
  opcodes: OpcodeTable;
  /** The file names /proc gave: written beside each recording. */
  files: FdResolver;
  /** The capture's facts for the metadata now (operationsCounted: since the capture began). */
  meta(): SessionMetaInit;
  /** When the probes attached, and when the capture ended (undefined: not yet). */
  capture(): { startedAt?: Date; endedAt?: Date };
  notice(level: NoticeLevel, text: string): void;
}

export class RecordingSession {
  /** The recording open now. */
  recorder?: CsvRecorder;
  /** Every recording this session made (R toggles make several). */
  readonly files: string[] = [];

  private startedAt = new Date();
  private error?: string;
  /** Rows each finished recording holds, and those it could not write, by path. */
  private readonly rows = new Map<string, { written: number; lost: number }>();
  /** Presses and stops, each after the one before. */
  private change: Promise<unknown> = Promise.resolve();
  private ending = false;
  /** Why the recording was stopped for free space (the session then counts as failed). */
  private stoppedForSpace?: string;
  /** The last recording stopped while the capture goes on: the header says where it is. */
  private lastStopped?: string;
  /** The recording's growth: bytes per second, from the file size a few ticks apart. */
  private growth = { atMs: 0, bytes: 0, perSec: 0 };
  private spaceCheck?: Promise<void>;
  /** Rows of the recording open now whose operation's submission was not seen. */
  private rowsWithoutSubmit = 0;
  /** The capture's operation count when the current recording started. */
  private countedAtStart = 0;

  constructor(private readonly opts: RecordingSessionOptions) {}

  /** One event of the capture: into the recording open now, if any. */
  push(ev: IoEvent): void {
    const r = this.recorder;
    if (!r) return;
    r.push(ev);
    // (an operation without a latency: its submission was not seen, see the docs)
    if (ev.latencyNs === 0 && ev.opcode !== IO_URING_ENTER) this.rowsWithoutSubmit++;
  }

  pushCounts(delta: CountsDelta): void {
    this.recorder?.pushCounts(delta);
  }

  /** The open recording's counts stop short of its end: its metadata says why. */
  markCountsIncomplete(why: string): void {
    this.recorder?.markCountsIncomplete(why);
  }

  /** Each tick: the growth rate, and a look at the free space (one at a time). */
  tick(): void {
    const r = this.recorder;
    if (!r) return;
    const now = Date.now();
    const g = this.growth;
    if (now - g.atMs >= 2000) {
      const bytes = r.fileBytes;
      if (g.atMs > 0) g.perSec = Math.max(0, ((bytes - g.bytes) * 1000) / (now - g.atMs));
      g.atMs = now;
      g.bytes = bytes;
    }
    this.spaceCheck ??= this.checkSpace(r).finally(() => (this.spaceCheck = undefined));
  }

  /** The header's recording facts. */
  status(): Pick<SourceStatus, 'recording' | 'recordingStopped' | 'recordingError'> {
    const r = this.recorder;
    return {
      recording: r
        ? { path: r.path, bytes: r.fileBytes, bytesPerSec: this.growth.perSec }
        : undefined,
      recordingStopped: r ? undefined : this.lastStopped,
      recordingError: r?.error
        ? escape(r.error.message, 300)
        : (this.error ?? this.stoppedForSpace),
    };
  }

  /** The metadata of the recording open now. */
  private metaInit(): SessionMetaInit {
    const m = this.opts.meta();
    return {
      ...m,
      rowsWithoutSubmit: this.rowsWithoutSubmit,
      operationsCounted: (m.operationsCounted ?? 0) - this.countedAtStart,
    };
  }

  /** Free space on the recording's file system, and the margin it must keep. */
  private async space(dir: string): Promise<{ free: number; margin: number }> {
    const s = await statfs(dir);
    return {
      free: s.bavail * s.bsize,
      margin: minFreeBytes(this.opts.config.minFree, s.blocks * s.bsize),
    };
  }

  /**
   * Stops the recording, whole, before the file system's free space falls below the margin
   * (`--min-free`): a full disk hurts more than the recording is worth. The capture goes on.
   * Each look at the free space tells the recorder how far its file may grow; it stops itself at
   * the first row that could go past that (so the margin is never crossed by the recording), and
   * a look that finds the margin gone (someone else filled the disk) stops it too.
   */
  private async checkSpace(r: CsvRecorder): Promise<void> {
    const inFile = r.bytesInFile; // (before the look: what is written meanwhile counts against it)
    let s: { free: number; margin: number };
    try {
      s = await this.space(path.dirname(r.path));
    } catch {
      return; // cannot tell: a write failure would still be caught and told
    }
    if (this.recorder !== r || this.ending) return;
    const dir = escape(path.dirname(r.path), 200);
    const whole = `${escape(r.path, 300)} is whole; capture goes on`;
    if (s.free < s.margin) {
      await this.stopForSpace(
        r,
        `recording stopped: ${bytesText(s.free)} free on the file system of ${dir}, below the ${bytesText(s.margin)} it keeps free (--min-free); ${whole}`,
      );
      return;
    }
    if (s.margin === 0) return; // --min-free 0: no guard
    // room for what is written beside it meanwhile and at its close: a line of counts, the names
    const reserve = SIDECAR_RESERVE + 512 * this.opts.files.records().length;
    r.limitFileTo(inFile + s.free - s.margin - reserve, () => {
      void this.stopForSpace(
        r,
        `recording stopped: ${bytesText(s.free - (r.bytesInFile - inFile))} free on the file system of ${dir}, and more rows would take it below the ${bytesText(s.margin)} it keeps free (--min-free); ${whole}`,
      );
    });
  }

  /** Stops recording `r` for want of space, saying `why` (once); the capture goes on. */
  private stopForSpace(r: CsvRecorder, why: string): Promise<void> {
    if (this.recorder !== r || this.ending || this.stoppedForSpace !== undefined)
      return this.change.then(() => undefined);
    this.stoppedForSpace = why;
    this.opts.notice('error', why);
    const next = this.change.then(() => (this.recorder === r ? this.stop() : undefined));
    this.change = next.catch(() => undefined);
    return this.change.then(() => undefined);
  }

  /**
   * `R`: stops the recording in progress, or starts a new one. Presses are taken in order, each
   * after the previous one has finished, so a quick double press gives one file, not two
   * recorders writing at once. A failure to start shows in status() until the next press.
   */
  toggle(): Promise<void> {
    const next = this.change.then(async () => {
      if (this.ending) return; // the session is ending: finish() closes what is open
      try {
        if (this.recorder) await this.stop();
        else await this.start();
        this.error = undefined;
      } catch (e) {
        this.error = escape((e as Error).message, 300);
        this.opts.notice('error', this.error);
        throw e;
      }
    });
    this.change = next.catch(() => undefined);
    return next;
  }

  /** Opens a recording (if none is open); refuses where the free-space margin is already gone. */
  async start(): Promise<string> {
    if (this.recorder) return this.recorder.path;
    const { config } = this.opts;
    // refuse to start where the margin is already gone (a directory not made yet: its parent)
    const target = path.resolve(config.outputDir, 'iouring');
    for (let dir = target; ; dir = path.dirname(dir)) {
      const s = await this.space(dir).catch(() => undefined);
      if (s && s.free < s.margin) {
        throw new RecordError(
          `cannot record to ${escape(target, 300)}: ${bytesText(s.free)} free, below the ${bytesText(s.margin)} a recording keeps free (--min-free); free some space, choose another directory with --output-dir DIR, lower --min-free, or turn recording off with --no-record`,
        );
      }
      if (s || path.dirname(dir) === dir) break;
    }
    this.countedAtStart = this.opts.meta().operationsCounted ?? 0;
    this.rowsWithoutSubmit = 0;
    const recorder = await CsvRecorder.create({
      outputDir: config.outputDir,
      meta: this.metaInit(),
      counts: true,
      compress: config.compress,
      fileMode: config.recordingMode,
      opcodes: this.opts.opcodes,
      onError: (err) => this.opts.notice('error', escape(err.message, 300)),
    });
    this.recorder = recorder;
    this.lastStopped = undefined;
    this.stoppedForSpace = undefined;
    // how far it may grow, from the start (not only from the first tick's look)
    this.spaceCheck ??= this.checkSpace(recorder).finally(() => (this.spaceCheck = undefined));
    this.growth = { atMs: 0, bytes: 0, perSec: 0 };
    this.startedAt = new Date();
    this.files.push(recorder.path);
    return recorder.path;
  }

  /** Closes the recording open now, with its metadata and the file names beside it. */
  async stop(): Promise<void> {
    const recorder = this.recorder;
    if (!recorder) return;
    this.recorder = undefined;
    // The recording covers what was captured while it was open: from the later of its creation
    // and the probes' attach, to its close (or bpftrace's stop). Replay takes the session's
    // length from these two times, so its summary's rates match the live run's.
    const capture = this.opts.capture();
    const start =
      capture.startedAt && capture.startedAt > this.startedAt ? capture.startedAt : this.startedAt;
    let end = capture.endedAt ?? new Date();
    if (end < start) end = start; // opened by an R press that finished after the stop
    try {
      await recorder.close({
        ...this.metaInit(),
        startedAt: isoLocal(start),
        endedAt: isoLocal(end),
      });
      // the file names seen while it was open, beside it
      const fromUs = start.getTime() * 1000;
      const files = this.opts.files;
      const records = files.records().filter((r) => r.lastUs >= fromUs);
      await writeFilesSidecar(
        recorder.path,
        records,
        files.historyDropped,
        recorder.fileMode,
      ).catch((e: Error) =>
        this.opts.notice('error', `file names not written: ${escape(e.message, 300)}`),
      );
    } finally {
      this.rows.set(recorder.path, { written: recorder.rowsWritten, lost: recorder.rowsLost });
      this.lastStopped = `recording stopped: ${escape(recorder.path, 300)} (${formatCount(recorder.rowsWritten)} events, ${bytesText(recorder.fileBytes)})`;
    }
  }

  /** The session is ending: presses from now on do nothing (finish() closes what is open). */
  end(): void {
    this.ending = true;
  }

  /**
   * Closes the recording, after any press still in progress. A recording of a capture that
   * never attached holds nothing but its header: it is removed rather than left behind as an
   * empty session.
   */
  async finish(): Promise<void> {
    this.ending = true;
    await this.change;
    const recorder = this.recorder;
    try {
      await this.stop();
    } catch (e) {
      // already reported by the recorder's onError; the notes repeat it
      void e;
    }
    // Nothing captured into it: the probes never attached, or an R press opened it after the end.
    const capture = this.opts.capture();
    const empty =
      !capture.startedAt || (capture.endedAt !== undefined && this.startedAt >= capture.endedAt);
    if (recorder && empty && recorder.rows === 0) {
      await recorder.discard();
      await rm(filesPathFor(recorder.path), { force: true }).catch(() => undefined);
      this.files.splice(this.files.indexOf(recorder.path), 1);
    }
  }

  /** Whether a recording lost rows, failed to start, or was stopped for space. */
  hadFailures(): boolean {
    return (
      [...this.rows.values()].some((r) => r.lost > 0) ||
      this.error !== undefined ||
      this.stoppedForSpace !== undefined
    );
  }

  /** Every recording made, with the rows it holds, and those it could not write. */
  closingNotes(): string[] {
    return this.files.map((r) => {
      const rows = this.rows.get(r) ?? { written: 0, lost: 0 };
      const notWritten =
        rows.lost > 0 ? `; ${rows.lost} events captured after it failed were not written` : '';
      return `recorded ${rows.written} events to ${escape(r, 300)}${notWritten}`;
    });
  }
}
