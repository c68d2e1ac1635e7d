/**
 * The counted figures (the diagnostics), each declared once: where the capture program counts it
 * (its tracepoint and counter maps), whose figure it is, its place in a counts file's row, its
 * column, its metric family and its name in the JSON summary. Every consumer reads this list:
 * the program's maps and probes (bpf/maps.ts, bpf/probes/diagnostics.ts), the collector
 * (collect/counts.ts), the model's tallies (rows.ts), the snapshot's figures and `Diagnostics`
 * (snapshot.ts), the columns and summaries (render/), the metric families and totals (metrics/),
 * and the counts file (record/countsFile.ts).
 *
 * Adding a figure: one entry here (at the end: the counts file's field after the last), its line
 * in bpf/context.ts diagnosticsOf (which kernels count it), and, unless it is a plain count at a
 * tracepoint that carries the opcode (`counter: 'tracepoint'`, which bpf/probes/diagnostics.ts
 * writes), its probe code.
 */

/** What one key part of a counter map holds (bpf/maps.ts). */
export type KeyPart = 'tgid' | 'opcode' | 'class' | 'bucket' | 'errno' | 'ctx';

export interface CounterMapSpec {
  /** The map's name, without its @. */
  readonly name: string;
  /** Its number in control-channel commands (see bpf/probes/control.ts). */
  readonly id: number;
  readonly keys: readonly KeyPart[];
  /** count(): how many; sum(): a total (bytes, weights). */
  readonly value: 'count' | 'sum';
  /** What it counts, for the docs and the collector's comments. */
  readonly what: string;
}

export interface Figure {
  /** Its field in OpCounts, Tally, the snapshot's figures and Diagnostics. */
  readonly key: string;
  /**
   * Whose figure it is: counted per process and opcode ('opcode'); the process's rings', kept on
   * its IO_URING_ENTER row and summed into the process and the totals ('ring'); or both (a ring's
   * figure some requests also carry on their opcode).
   */
  readonly scope: 'opcode' | 'ring' | 'both';
  /** Where the program counts it. */
  readonly program: {
    readonly tracepoint: string;
    /**
     * 'tracepoint': a count per (process, args->opcode) at the tracepoint, into the one map
     * (bpf/probes/diagnostics.ts writes it); 'code': counted by the probe code of `probe`.
     */
    readonly counter: 'tracepoint' | 'code';
    readonly probe: string;
    /**
     * Its counter maps. The collector puts a map keyed [tgid, opcode] on that row, [tgid] on the
     * process's IO_URING_ENTER row, [tgid, opcode, errno] into the figure's errnos.
     */
    readonly maps: readonly CounterMapSpec[];
  };
  /** What --probe says it comes from (absent: not listed). */
  readonly probeNote?: string;
  /**
   * Counted since a later version: a recording's metadata or counts file from before has no
   * field for it, which reads as not counted (metadata) and none (counts).
   */
  readonly late?: boolean;
  /**
   * Its place in the diagnostics field of a counts file's row, and that of its errnos (flat
   * pairs [errno, n, …]) where it has them: OpCounts' `failedErrnos`.
   */
  readonly counts: { readonly field: number; readonly errnosField?: number };
  readonly column: {
    readonly title: string;
    readonly summaryTitle: string;
    readonly width: number;
    /** Shown as a share of the operations (and sorted on it), not as a count. */
    readonly share: boolean;
    /** Leaves the TUI's table where it is too narrow, in this order (render/columns.ts: drop). */
    readonly drop?: number;
  };
  /** Its metric family, iouringtop_<stem>_total (a counter); with an errno label when it has errnos. */
  readonly metric: { readonly stem: string; readonly help: string };
  /** Its name in the JSON summary. */
  readonly json: string;
}

// prettier-ignore
export const FIGURES = [
  {
    key: 'punted',
    scope: 'opcode',
    program: { tracepoint: 'io_uring_queue_async_work', counter: 'tracepoint', probe: 'bpf/probes/diagnostics.ts',
      maps: [{ name: 'punt', id: 4, keys: ['tgid', 'opcode'], value: 'count', what: 'requests punted to io-wq' }] },
    probeNote: 'io_uring_queue_async_work',
    counts: { field: 0 },
    column: { title: 'PUNT%', summaryTitle: 'PUNTED', width: 5, share: true },
    metric: { stem: 'punted', help: 'Requests punted to an io-wq worker thread (io_uring_queue_async_work)' },
    json: 'punted',
  },
  {
    key: 'poll',
    scope: 'opcode',
    program: { tracepoint: 'io_uring_poll_arm', counter: 'tracepoint', probe: 'bpf/probes/diagnostics.ts',
      maps: [{ name: 'poll', id: 5, keys: ['tgid', 'opcode'], value: 'count', what: 'requests that armed a poll' }] },
    probeNote: 'io_uring_poll_arm',
    counts: { field: 1 },
    column: { title: 'POLL%', summaryTitle: 'POLL', width: 5, share: true },
    metric: { stem: 'poll_armed', help: 'Requests that found their file not ready and armed a poll (io_uring_poll_arm)' },
    json: 'poll',
  },
  {
    key: 'short',
    scope: 'opcode',
    program: { tracepoint: 'io_uring_complete', counter: 'code', probe: 'bpf/probes/completion.ts',
      maps: [{ name: 'short', id: 6, keys: ['tgid', 'opcode'], value: 'sum', what: 'completions with 0 <= result < length asked, weighted' }] },
    probeNote: 'result < length; n/a with --no-events',
    counts: { field: 2 },
    column: { title: 'SHORT', summaryTitle: 'SHORT', width: 5, share: false },
    metric: { stem: 'short_results', help: 'Completions with 0 <= result < the length asked: short reads and writes' },
    json: 'short',
  },
  {
    key: 'failed',
    scope: 'opcode',
    program: { tracepoint: 'io_uring_req_failed', counter: 'code', probe: 'bpf/probes/failures.ts',
      maps: [{ name: 'fail', id: 7, keys: ['tgid', 'opcode', 'errno'], value: 'count', what: 'init failures by errno' }] },
    probeNote: 'io_uring_req_failed',
    counts: { field: 5, errnosField: 6 },
    column: { title: 'FAIL', summaryTitle: 'FAILED', width: 4, share: false },
    metric: { stem: 'init_failures', help: 'Requests that failed before they were issued (io_uring_req_failed), by errno; also in the errors families' },
    json: 'failed',
  },
  {
    key: 'links',
    scope: 'opcode',
    program: { tracepoint: 'io_uring_fail_link', counter: 'tracepoint', probe: 'bpf/probes/diagnostics.ts',
      maps: [{ name: 'flink', id: 8, keys: ['tgid', 'opcode'], value: 'count', what: 'linked requests cancelled by this one failing' }] },
    probeNote: 'io_uring_fail_link',
    counts: { field: 3 },
    column: { title: 'LINKS', summaryTitle: 'LINKS', width: 5, share: false },
    metric: { stem: 'broken_links', help: 'Linked requests cancelled because a request before them failed, counted on the failing request (io_uring_fail_link)' },
    json: 'broken_links',
  },
  {
    key: 'overflow',
    scope: 'both',
    program: { tracepoint: 'io_uring_cqe_overflow', counter: 'code', probe: 'bpf/probes/completion.ts',
      maps: [
        { name: 'ovf', id: 9, keys: ['tgid'], value: 'count', what: 'overflowed CQEs on the ring owner, not matched to a request' },
        { name: 'ovfo', id: 10, keys: ['tgid', 'opcode'], value: 'count', what: 'overflowed CQEs of a multishot request, on its process and opcode' },
      ] },
    probeNote: 'io_uring_cqe_overflow',
    counts: { field: 4 },
    column: { title: 'OVFL', summaryTitle: 'OVERFLOW', width: 4, share: false },
    metric: { stem: 'cq_overflows', help: "Completions that did not fit in the process's CQ rings (io_uring_cqe_overflow): an alarm, it reaps too slowly or its CQ is too small" },
    json: 'overflow',
  },
  {
    key: 'other',
    scope: 'ring',
    program: { tracepoint: 'io_uring_complete', counter: 'code', probe: 'bpf/probes/completion.ts',
      maps: [{ name: 'oc', id: 11, keys: ['tgid'], value: 'count', what: 'CQEs without a request (tags, MSG_RING, notifications), on the ring owner' }] },
    late: true,
    counts: { field: 7 },
    column: { title: 'OTHER', summaryTitle: 'OTHER', width: 5, share: false },
    metric: { stem: 'other_cqes', help: "CQEs the process's rings posted for no request of theirs (resource-tag notifications, MSG_RING deliveries, zero-copy notifications)" },
    json: 'other_cqes',
  },
  {
    key: 'msEnds',
    scope: 'opcode',
    program: { tracepoint: 'io_uring_complete', counter: 'code', probe: 'bpf/probes/completion.ts',
      maps: [{ name: 'mse', id: 12, keys: ['tgid', 'opcode'], value: 'count', what: 'multishot requests that ended: a final CQE (no IORING_CQE_F_MORE) of a multishot request' }] },
    probeNote: 'io_uring_complete without IORING_CQE_F_MORE, of a multishot request',
    late: true,
    counts: { field: 8 },
    column: { title: 'MSEND', summaryTitle: 'MS ENDS', width: 5, share: false, drop: 2 },
    metric: { stem: 'multishot_ends', help: 'Multishot requests that ended (a CQE without IORING_CQE_F_MORE): each must be submitted again to go on' },
    json: 'multishot_ends',
  },
] as const satisfies readonly Figure[];

export type FigureKey = (typeof FIGURES)[number]['key'];
/** The figures counted per process and opcode (OpcodeRow, the opcode summaries). */
export type OpcodeFigureKey = Extract<(typeof FIGURES)[number], { scope: 'opcode' }>['key'];
/** The figures of the process's rings (kept on its IO_URING_ENTER row). */
export type RingFigureKey = Exclude<FigureKey, OpcodeFigureKey>;

/** The keys, in the registry's order (the columns', the summaries', the families'). */
export const FIGURE_KEYS: readonly FigureKey[] = FIGURES.map((f) => f.key);

export const figureOf = (key: FigureKey): Figure => FIGURES.find((f) => f.key === key) as Figure;

/** The ring figures: on an IO_URING_ENTER row, the process's and the total's. */
export const RING_FIGURE_KEYS = FIGURES.filter((f) => f.scope !== 'opcode').map(
  (f) => f.key,
) as readonly RingFigureKey[];

/** The figures an opcode row can have (a ring figure some requests carry included). */
export const OPCODE_ROW_FIGURE_KEYS: readonly FigureKey[] = FIGURES.filter(
  (f) => f.scope !== 'ring',
).map((f) => f.key);

/** The figures counted per opcode alone (the opcode summaries). */
export const OPCODE_FIGURE_KEYS = FIGURES.filter((f) => f.scope === 'opcode').map(
  (f) => f.key,
) as readonly OpcodeFigureKey[];

/** The figure with errnos (`counts.errnosField`): OpCounts carries them as `failedErrnos`. */
export type ErrnoFigureKey = Extract<
  (typeof FIGURES)[number],
  { counts: { errnosField: number } }
>['key'];
export const ERRNO_FIGURE: ErrnoFigureKey = 'failed';

/**
 * Which figures the counts hold: each needs its tracepoint (short: the length, tier 1). A late
 * figure is absent in recordings made before it was counted.
 */
export type Diagnostics = { [K in Exclude<FigureKey, LateKey>]: boolean } & {
  [K in LateKey]?: boolean;
};
type LateKey = Extract<(typeof FIGURES)[number], { late: true }>['key'];

/** A value per figure (a tally's, a counts row's, a snapshot's). */
export type FigureCounts = Record<FigureKey, number>;

/** The diagnostics field of a counts-file row: fields from the first late figure's on may be absent. */
export const COUNTS_FIELDS =
  Math.max(
    ...FIGURES.flatMap((f): number[] => [
      f.counts.field,
      (f.counts as Figure['counts']).errnosField ?? -1,
    ]),
  ) + 1;
export const COUNTS_REQUIRED_FIELDS = Math.min(
  COUNTS_FIELDS,
  ...FIGURES.filter((f) => (f as Figure).late === true).map((f) => f.counts.field),
);
