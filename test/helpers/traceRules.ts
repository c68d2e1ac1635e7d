/**
 * A trace in the JSON Trace Event format, parsed twice: by @tracerbench/trace-model (a model of
 * Chrome traces: processes, threads and their names, begin/end and complete events in order),
 * and against the format's written rules, which that model does not check for async events:
 * - the JSON Object Format: an object whose `traceEvents` is an array of events, and
 *   `displayTimeUnit` "ms" or "ns" when present;
 * - every event has a `ph` of the format, a string `name` and `cat`, integer `pid` and `tid`
 *   (unsigned 32-bit, as trace processors store them), and a number `ts` (µs) unless metadata;
 * - `X` has a `dur` ≥ 0, and complete events on one thread nest: one that starts inside another
 *   ends inside it too;
 * - `b`/`e`/`n` have an `id`; a `b` and an `e` of the same category and id are one span: exactly
 *   one of each, the same name and process, the end not before the begin;
 * - `C` has args of numbers only; `M` names a process or a thread with `args.name`.
 * Returns what a test needs to compare the trace with its recording.
 */
import { buildModel, type TraceModel } from '@tracerbench/trace-model';

export interface TraceEvent {
  ph: string;
  name: string;
  cat: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  id?: string;
  args?: Record<string, unknown>;
}

export interface Span {
  name: string;
  pid: number;
  id: string;
  startUs: number;
  endUs: number;
  args: Record<string, unknown>;
}

export interface CheckedTrace {
  doc: { traceEvents: TraceEvent[]; otherData?: Record<string, unknown> };
  model: TraceModel;
  spans: Span[];
  instants: TraceEvent[];
  calls: TraceEvent[];
  counters: TraceEvent[];
  processNames: Map<number, string>;
  threadNames: Map<number, string>;
}

const PHASES = new Set('BEXIiCbnesteftPNODMvRc()'.split(''));
const isU32 = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 32;

/** Parses and checks a trace; throws an Error naming the first rule broken and the event. */
export function checkTrace(text: string): CheckedTrace {
  const doc = JSON.parse(text) as CheckedTrace['doc'] & { displayTimeUnit?: unknown };
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.traceEvents))
    throw new Error('not the JSON Object Format: no traceEvents array');
  if (
    doc.displayTimeUnit !== undefined &&
    doc.displayTimeUnit !== 'ms' &&
    doc.displayTimeUnit !== 'ns'
  )
    throw new Error(`displayTimeUnit ${JSON.stringify(doc.displayTimeUnit)}`);
  const bad = (why: string, e: unknown): never => {
    throw new Error(`${why}: ${JSON.stringify(e)}`);
  };
  const begins = new Map<string, TraceEvent>();
  const spans: Span[] = [];
  const out: CheckedTrace = {
    doc,
    model: undefined as unknown as TraceModel,
    spans,
    instants: [],
    calls: [],
    counters: [],
    processNames: new Map(),
    threadNames: new Map(),
  };
  for (const e of doc.traceEvents) {
    if (!PHASES.has(e.ph)) bad('unknown ph', e);
    if (typeof e.name !== 'string' || typeof e.cat !== 'string') bad('name and cat', e);
    if (!isU32(e.pid) || !isU32(e.tid)) bad('pid and tid', e);
    if (e.ph !== 'M' && (typeof e.ts !== 'number' || !Number.isFinite(e.ts))) bad('ts', e);
    switch (e.ph) {
      case 'M': {
        const name = e.args?.name;
        if (typeof name !== 'string') bad('metadata without args.name', e);
        if (e.name === 'process_name') out.processNames.set(e.pid, name as string);
        else if (e.name === 'thread_name') out.threadNames.set(e.tid, name as string);
        else bad('metadata of another kind', e);
        break;
      }
      case 'X':
        if (typeof e.dur !== 'number' || !(e.dur >= 0)) bad('X without a dur', e);
        out.calls.push(e);
        break;
      case 'C':
        if (!e.args || Object.values(e.args).some((v) => typeof v !== 'number'))
          bad('counter args', e);
        out.counters.push(e);
        break;
      case 'n':
        if (typeof e.id !== 'string' || e.id === '') bad('async without id', e);
        out.instants.push(e);
        break;
      case 'b':
      case 'e': {
        if (typeof e.id !== 'string' || e.id === '') bad('async without id', e);
        const key = `${e.cat}\u0000${e.id}`;
        if (e.ph === 'b') {
          if (begins.has(key)) bad('a second b with this id', e);
          begins.set(key, e);
          break;
        }
        const b = begins.get(key);
        if (b === undefined) bad('an e without its b', e);
        begins.delete(key);
        if (b!.name !== e.name || b!.pid !== e.pid) bad('an e of another name or process', e);
        if (e.ts! < b!.ts!) bad('an e before its b', e);
        spans.push({
          name: e.name,
          pid: e.pid,
          id: e.id!,
          startUs: b!.ts!,
          endUs: e.ts!,
          args: b!.args ?? {},
        });
        break;
      }
    }
  }
  if (begins.size > 0) bad('b without its e', [...begins.values()][0]);
  if (new Set(spans.map((s) => s.id)).size !== spans.length) throw new Error('an id used twice');
  checkNesting(out.calls);
  out.model = buildModel(doc as unknown as Parameters<typeof buildModel>[0]);
  return out;
}

/** Complete events on each thread nest (one inside the other) or do not overlap. */
function checkNesting(calls: readonly TraceEvent[]): void {
  const byThread = new Map<string, TraceEvent[]>();
  for (const c of calls) {
    const k = `${c.pid}/${c.tid}`;
    let list = byThread.get(k);
    if (!list) byThread.set(k, (list = []));
    list.push(c);
  }
  for (const list of byThread.values()) {
    list.sort((a, b) => a.ts! - b.ts! || b.dur! - a.dur!);
    const open: number[] = []; // ends of the enclosing events (ns: the µs have 3 decimals)
    for (const c of list) {
      const start = Math.round(c.ts! * 1000);
      while (open.length > 0 && open[open.length - 1] <= start) open.pop();
      const end = start + Math.round(c.dur! * 1000);
      if (open.length > 0 && end > open[open.length - 1])
        throw new Error(`complete events overlap on a thread: ${JSON.stringify(c)}`);
      open.push(end);
    }
  }
}
