/** Test helpers: a real Model fed with IoEvents, a hand-cranked SnapshotStore, a recording controller. */
import { emptyEvent, type IoEvent } from '../../source/model/event.js';
import { Model } from '../../source/model/model.js';
import { OpcodeTable } from '../../source/model/opcodes.js';
import type { Snapshot } from '../../source/model/snapshot.js';
import type { Filter } from '../../source/model/select.js';
import type { SnapshotStore, SourceStatus, TuiController } from '../../source/ui/types.js';

export const T0 = 1_700_000_000_000_000; // µs, a whole second

const NAMES = new OpcodeTable();

export interface Load {
  pid: number;
  comm: string;
  op: string;
  /** Operations per second. */
  rate: number;
  latencyUs: number;
  /** Result of each operation (bytes, or a negative errno). */
  result?: number;
}

/** Feed `seconds` of steady load into a fresh model and take a snapshot at the end. */
export function modelWith(
  loads: Load[],
  seconds = 5,
  opts: { recentLimit?: number } = {},
): { model: Model; snap: Snapshot } {
  const model = new Model();
  const ev = emptyEvent();
  for (let s = 0; s < seconds; s++) {
    for (const l of loads) {
      for (let i = 0; i < l.rate; i++) {
        ev.tsUs = T0 + s * 1e6 + Math.floor((i * 1e6) / l.rate) + 1;
        ev.pid = l.pid;
        ev.comm = l.comm;
        ev.opcode = NAMES.code(l.op) ?? 0;
        ev.fd = 5;
        ev.offset = i * 4096;
        ev.length = 4096;
        ev.result = l.result ?? 4096;
        ev.hasResult = true;
        ev.latencyNs = l.latencyUs * 1000;
        model.push(ev);
      }
    }
  }
  model.advance(T0 + seconds * 1e6);
  return { model, snap: model.snapshot({ recentLimit: opts.recentLimit ?? 100 }) };
}

export function pushEvent(model: Model, e: Partial<IoEvent>): void {
  model.push({ ...emptyEvent(), hasResult: true, ...e });
}

export class TestStore implements SnapshotStore {
  private listeners = new Set<() => void>();
  constructor(
    public snap?: Snapshot,
    public status?: SourceStatus,
  ) {}
  subscribe = (cb: () => void) => {
    this.listeners.add(cb);
    return () => {
      this.listeners.delete(cb);
    };
  };
  getSnapshot = () => this.snap;
  getStatus = () => this.status;
  publish(snap?: Snapshot, status?: SourceStatus): void {
    this.snap = snap;
    if (status) this.status = status;
    for (const l of this.listeners) l();
  }
}

export type Call = [string, ...unknown[]];

/**
 * A controller that records every call. Given the store and model, it does what the CLI does on
 * setFilter: publish a new snapshot whose recent events are restricted to the filter.
 */
export function testController(source?: {
  store: TestStore;
  model: Model;
}): TuiController & { calls: Call[] } {
  const calls: Call[] = [];
  let filter: Filter | undefined;
  let latency: { key: string; limit: number } | undefined;
  const publish = (): void => {
    if (source)
      source.store.publish(
        source.model.snapshot({
          recentLimit: 100,
          recentFilter: filter,
          opcodes: filter?.opcodes,
          latency,
        }),
      );
  };
  return {
    calls,
    quit: () => void calls.push(['quit']),
    setRefreshMs: (ms) => void calls.push(['setRefreshMs', ms]),
    toggleRecording: () => void calls.push(['toggleRecording']),
    setFilter: (f) => {
      calls.push(['setFilter', f]);
      filter = f;
      publish();
    },
    setLatency: (t) => {
      calls.push(['setLatency', t]);
      latency = t;
      publish();
    },
    replay: {
      togglePause: () => void calls.push(['togglePause']),
      seek: (d) => void calls.push(['seek', d]),
      changeSpeed: (f) => void calls.push(['changeSpeed', f]),
      jump: (to) => void calls.push(['jump', to]),
    },
  };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Lets React and Ink finish what an input or a publish set off: renders, effects and the
 * renders those cause run over a few macrotasks (React's scheduler posts them with
 * setImmediate). Waits, turn by turn, until `frames` (Ink's drawn frames, when given) has not
 * grown for three turns in a row. Turns, not milliseconds: a loaded machine takes longer per
 * turn, never more of them.
 */
export async function settle(frames?: { length: number }): Promise<void> {
  let quiet = 0;
  let seen = frames?.length ?? 0;
  for (let i = 0; i < 200 && quiet < 3; i++) {
    await turn();
    const now = frames?.length ?? 0;
    quiet = now === seen ? quiet + 1 : 0;
    seen = now;
  }
}

/** Waits until `pred` holds, looking after every macrotask; throws, saying what, after `ms`. */
export async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
}

export const KEYS = {
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  shiftRight: '\x1b[1;2C',
  shiftLeft: '\x1b[1;2D',
  pageUp: '\x1b[5~',
  pageDown: '\x1b[6~',
  home: '\x1b[H',
  end: '\x1b[F',
  enter: '\r',
  escape: '\x1b',
  tab: '\t',
  shiftTab: '\x1b[Z',
  backspace: '\x7f',
  ctrlC: '\x03',
};
