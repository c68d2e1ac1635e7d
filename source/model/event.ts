/**
 * The one event type every part of iouringtop shares: capture produces it, the CSV writer
 * records it, replay reads it back, the model aggregates it.
 *
 * Hot-path contract: a source reuses ONE mutable IoEvent object and hands it to each sink
 * synchronously. A sink copies what it needs and never keeps a reference to the object.
 */
export interface IoEvent {
  /** Wall-clock time of the event (the operation's completion), microseconds since the Unix epoch. */
  tsUs: number;
  /** Thread-group id (the process), never the id of an io_uring worker thread. */
  pid: number;
  /** Process name (the thread-group leader's comm), at most 15 bytes, untrusted text. */
  comm: string;
  /** io_uring opcode 0..254, or IO_URING_ENTER (255) for the syscall itself. */
  opcode: number;
  /** File descriptor (signed: -100 is AT_FDCWD); 0 means none / unknown. */
  fd: number;
  /** File offset; 0 means none / unknown. */
  offset: number;
  /** Operation length (bytes, iovec count for READV/WRITEV, to_submit for IO_URING_ENTER); 0 = none. */
  length: number;
  /** Completion result: bytes or a negative errno. Meaningful only when hasResult. */
  result: number;
  hasResult: boolean;
  /** Completion time minus submit time in nanoseconds; 0 means unknown (no submit was seen). */
  latencyNs: number;
}

export function emptyEvent(): IoEvent {
  return {
    tsUs: 0,
    pid: 0,
    comm: '',
    opcode: 0,
    fd: 0,
    offset: 0,
    length: 0,
    result: 0,
    hasResult: false,
    latencyNs: 0,
  };
}

export function copyEvent(from: IoEvent, to: IoEvent = emptyEvent()): IoEvent {
  to.tsUs = from.tsUs;
  to.pid = from.pid;
  to.comm = from.comm;
  to.opcode = from.opcode;
  to.fd = from.fd;
  to.offset = from.offset;
  to.length = from.length;
  to.result = from.result;
  to.hasResult = from.hasResult;
  to.latencyNs = from.latencyNs;
  return to;
}

/** Anything that consumes the event stream: the model, the CSV writer, the summary. */
export interface EventSink {
  /** Called once per event with a reused object: copy, never retain. */
  push(ev: IoEvent): void;
}
