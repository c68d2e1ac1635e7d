/** The recent-events query: the newest buffered events that pass a filter, as plain objects. */
import type { Core } from './core.js';
import { fdOf, isFixedFd, type IoEvent } from './event.js';
import { commMatches, isEmptyFilter, type Filter } from './select.js';

/** The newest `limit` buffered events that pass the filter, newest last. */
export function recentEvents(core: Core, filter: Filter | undefined, limit: number): IoEvent[] {
  const out: IoEvent[] = [];
  if (!(limit > 0)) return out;
  const ring = core.ring;
  const f = isEmptyFilter(filter) ? undefined : filter;
  const pids = f?.pids && f.pids.length > 0 ? new Set(f.pids) : undefined;
  const ops = f?.opcodes && f.opcodes.length > 0 ? new Set(f.opcodes) : undefined;
  let commOk: Uint8Array | undefined;
  if (f?.comms && f.comms.length > 0) {
    const wanted = f.comms;
    commOk = new Uint8Array(core.table.comms.length);
    core.table.comms.forEach(
      (c, i) => (commOk![i] = wanted.some((w) => commMatches(c, w)) ? 1 : 0),
    );
  }
  for (let i = ring.size - 1; i >= 0 && out.length < limit; i--) {
    const p = ring.at(i);
    if (pids !== undefined && !pids.has(ring.pid[p])) continue;
    if (ops !== undefined && !ops.has(ring.opcode[p])) continue;
    if (commOk !== undefined && commOk[ring.comm[p]] !== 1) continue;
    out.push({
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
    });
  }
  return out.reverse();
}
