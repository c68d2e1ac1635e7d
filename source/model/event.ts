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
  /**
   * File descriptor (signed: -100 is AT_FDCWD); 0 means none / unknown. With fixedFile, an index
   * into the ring's registered-file table (IOSQE_FIXED_FILE), not a descriptor.
   */
  fd: number;
  /** The request named a registered file (IOSQE_FIXED_FILE): `fd` is its index in the table. */
  fixedFile: boolean;
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
    fixedFile: false,
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
  to.fixedFile = from.fixedFile;
  to.offset = from.offset;
  to.length = from.length;
  to.result = from.result;
  to.hasResult = from.hasResult;
  to.latencyNs = from.latencyNs;
  return to;
}

/**
 * How capture and the event buffer carry a registered-file index in the fd's 32 bits: bit 30
 * set, bit 31 clear. No descriptor reaches 2^30 (the kernel's fs.nr_open ceiling is far below
 * what memory allows), negative fds (AT_FDCWD) have bit 31 set, and a registered table holds at
 * most 2^20 files (IORING_MAX_FIXED_FILES), so the two never meet.
 */
export const FIXED_FD_BIT = 0x40000000;

/** The 32-bit word for an fd: the fd itself, or a registered-file index marked FIXED_FD_BIT. */
export function packFd(fd: number, fixedFile: boolean): number {
  return fixedFile ? fd | FIXED_FD_BIT : fd | 0;
}

/** Whether a 32-bit fd word (packFd, or the capture's u32) holds a registered-file index. */
export function isFixedFd(word: number): boolean {
  return ((word >>> 0) & 0xc0000000) === FIXED_FD_BIT;
}

/** The fd (or registered-file index) a 32-bit word holds. */
export function fdOf(word: number): number {
  return isFixedFd(word) ? (word >>> 0) & 0x3fffffff : word | 0;
}

/** Anything that consumes the event stream: the model, the CSV writer, the summary. */
export interface EventSink {
  /** Called once per event with a reused object: copy, never retain. */
  push(ev: IoEvent): void;
}
