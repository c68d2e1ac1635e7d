/** Test helpers: a real Model fed with IoEvents, a hand-cranked SnapshotStore, a recording controller. */
import { emptyEvent, type IoEvent } from '../../source/model/event.js';
import { Model } from '../../source/model/model.js';
import { opcodeCode } from '../../source/model/opcodes.js';
import type { Snapshot } from '../../source/model/snapshot.js';
import type { SnapshotStore, SourceStatus, TuiController } from '../../source/ui/types.js';

export const T0 = 1_700_000_000_000_000; // µs, a whole second

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
        ev.opcode = opcodeCode(l.op) ?? 0;
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
 * setTailFilter: publish a new snapshot whose recent events are restricted to the filter.
 */
export function testController(source?: {
  store: TestStore;
  model: Model;
}): TuiController & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    quit: () => calls.push(['quit']),
    setRefreshMs: (ms) => calls.push(['setRefreshMs', ms]),
    setPaused: (b) => calls.push(['setPaused', b]),
    toggleRecording: () => calls.push(['toggleRecording']),
    setTailFilter: (f) => {
      calls.push(['setTailFilter', f]);
      if (source)
        source.store.publish(source.model.snapshot({ recentLimit: 100, recentFilter: f }));
    },
    replay: {
      togglePause: () => calls.push(['togglePause']),
      seek: (d) => calls.push(['seek', d]),
      changeSpeed: (f) => calls.push(['changeSpeed', f]),
      jump: (to) => calls.push(['jump', to]),
    },
  };
}

/** Let Ink process input and re-render. */
export const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 20));

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
