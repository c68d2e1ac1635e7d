/** The recent-events query: the newest buffered events that pass a filter, as plain objects. */
import type { Core } from './core.js';
import { fdOf, isFixedFd, type IoEvent } from './event.js';
import { commMatches, isEmptyFilter, type Filter } from './select.js';

/**
 * A test of a buffered event (by its position in the ring) against the filter; undefined when
 * the filter lets every event through.
 */
export function eventMatcher(
  core: Core,
  filter: Filter | undefined,
): ((p: number) => boolean) | undefined {
  if (isEmptyFilter(filter)) return undefined;
  const f = filter!;
  const ring = core.ring;
  const pids = f.pids && f.pids.length > 0 ? new Set(f.pids) : undefined;
  const ops = f.opcodes && f.opcodes.length > 0 ? new Set(f.opcodes) : undefined;
  let commOk: Uint8Array | undefined;
  if (f.comms && f.comms.length > 0) {
    const wanted = f.comms;
    commOk = new Uint8Array(core.table.comms.length);
    core.table.comms.forEach(
      (c, i) => (commOk![i] = wanted.some((w) => commMatches(c, w)) ? 1 : 0),
    );
  }
  return (p) =>
    (pids === undefined || pids.has(ring.pid[p])) &&
    (ops === undefined || ops.has(ring.opcode[p])) &&
    (commOk === undefined || commOk[ring.comm[p]] === 1);
}

/** The buffered event at ring position `p`, as a plain object. */
export function eventAt(core: Core, p: number): IoEvent {
  const ring = core.ring;
  return {
    tsUs: ring.tsUs[p],
    pid: ring.pid[p],
    comm: core.table.comms[ring.comm[p]],
    opcode: ring.opcode[p],
    fd: fdOf(ring.fd[p]),
    fixedFile: isFixedFd(ring.fd[p]),
    offset: ring.offset[p],
    length: ring.length[p],
    result: ring.result[p],
    hasResult: ring.hasResult[p] === 1,
    latencyNs: ring.latencyNs[p],
  };
}

/** The newest `limit` buffered events that pass the filter, newest last. */
export function recentEvents(core: Core, filter: Filter | undefined, limit: number): IoEvent[] {
  const out: IoEvent[] = [];
  if (!(limit > 0)) return out;
  const ring = core.ring;
  const ok = eventMatcher(core, filter);
  for (let i = ring.size - 1; i >= 0 && out.length < limit; i--) {
    const p = ring.at(i);
    if (ok !== undefined && !ok(p)) continue;
    out.push(eventAt(core, p));
  }
  return out.reverse();
}
