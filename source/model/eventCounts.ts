/**
 * Events turned into counts (counts.ts), by the rules the model applies when it aggregates events
 * itself (core.ts ingest): an operation is one event; bytes are the positive results of
 * read-class / write-class opcodes; an error is a negative result, counted by errno; a latency
 * above 0 goes into its histogram bucket; an IO_URING_ENTER event is one call, which submitted
 * its positive result (or its length, when it has no result). What a recording without its
 * counts file is exported from (metrics/recording.ts); test/model/eventCounts.test.ts holds the
 * two sets of rules to the same figures.
 */
import { emptyOpCounts, type CountsDelta, type OpCounts } from './counts.js';
import type { IoEvent } from './event.js';
import { bucketOf } from './histogram.js';
import { IO_URING_ENTER, opcodeDirection } from './opcodes.js';

interface Acc {
  row: OpCounts;
  errnos: Map<number, number>;
  latency: Map<number, number>;
}

const add = (m: Map<number, number>, k: number): void => {
  m.set(k, (m.get(k) ?? 0) + 1);
};

export class EventCounts {
  /** By pid, then command name, then opcode. */
  private byPid = new Map<number, Map<string, (Acc | undefined)[]>>();
  private order: Acc[] = [];

  add(ev: IoEvent): void {
    let byComm = this.byPid.get(ev.pid);
    if (byComm === undefined)
      this.byPid.set(ev.pid, (byComm = new Map<string, (Acc | undefined)[]>()));
    let byOp = byComm.get(ev.comm);
    if (byOp === undefined) byComm.set(ev.comm, (byOp = []));
    const op = ev.opcode & 255;
    let acc = byOp[op];
    if (acc === undefined) {
      acc = {
        row: emptyOpCounts(ev.pid, ev.comm, op),
        errnos: new Map(),
        latency: new Map(),
      };
      byOp[op] = acc;
      this.order.push(acc);
    }
    const r = acc.row;
    r.ops++;
    if (ev.hasResult) {
      if (ev.result < 0) {
        r.errors++;
        add(acc.errnos, -ev.result);
      } else if (ev.result > 0) {
        const dir = opcodeDirection(op);
        if (dir === 'read') r.read += ev.result;
        else if (dir === 'write') r.write += ev.result;
      }
    }
    if (op === IO_URING_ENTER)
      r.submitted += ev.hasResult ? (ev.result > 0 ? ev.result : 0) : ev.length;
    if (ev.latencyNs > 0) add(acc.latency, bucketOf(ev.latencyNs));
  }

  /** Whether no event was added since the last take(). */
  get empty(): boolean {
    return this.order.length === 0;
  }

  /** The counts so far as a delta ending at `tsUs`, and a fresh start. */
  take(tsUs: number, intervalUs: number): CountsDelta {
    const rows = this.order.map(({ row, errnos, latency }) => {
      for (const [e, n] of errnos) row.errnos.push(e, n);
      for (const [b, n] of [...latency].sort((a, b) => a[0] - b[0])) row.latency.push(b, n);
      return row;
    });
    this.byPid = new Map();
    this.order = [];
    return { tsUs, intervalUs, rows };
  }
}
