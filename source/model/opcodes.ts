/**
 * io_uring opcodes (enum io_uring_op, kernel 6.18 / liburing) plus the seed's IO_URING_ENTER row.
 *
 * Names are the kernel's op_str spellings; an unknown number renders as OP_<n>. A session holds
 * its own OpcodeTable: live capture teaches it the running kernel's names for opcodes newer than
 * this build (from the tracepoints' op_str), and those names are written into the recording's
 * metadata; replay teaches it the metadata's names and any other well-formed name a recording
 * holds. Nothing is process-wide: two sessions never see each other's names.
 */
export const IO_URING_ENTER = 255;

const BUILTIN: readonly string[] = [
  'NOP', 'READV', 'WRITEV', 'FSYNC', 'READ_FIXED', 'WRITE_FIXED', 'POLL_ADD', 'POLL_REMOVE',
  'SYNC_FILE_RANGE', 'SENDMSG', 'RECVMSG', 'TIMEOUT', 'TIMEOUT_REMOVE', 'ACCEPT', 'ASYNC_CANCEL',
  'LINK_TIMEOUT', 'CONNECT', 'FALLOCATE', 'OPENAT', 'CLOSE', 'FILES_UPDATE', 'STATX', 'READ', 'WRITE',
  'FADVISE', 'MADVISE', 'SEND', 'RECV', 'OPENAT2', 'EPOLL_CTL', 'SPLICE', 'PROVIDE_BUFFERS',
  'REMOVE_BUFFERS', 'TEE', 'SHUTDOWN', 'RENAMEAT', 'UNLINKAT', 'MKDIRAT', 'SYMLINKAT', 'LINKAT',
  'MSG_RING', 'FSETXATTR', 'SETXATTR', 'FGETXATTR', 'GETXATTR', 'SOCKET', 'URING_CMD', 'SEND_ZC',
  'SENDMSG_ZC', 'READ_MULTISHOT', 'WAITID', 'FUTEX_WAIT', 'FUTEX_WAKE', 'FUTEX_WAITV',
  'FIXED_FD_INSTALL', 'FTRUNCATE', 'BIND', 'LISTEN', 'RECV_ZC', 'EPOLL_WAIT', 'READV_FIXED',
  'WRITEV_FIXED', 'PIPE', 'NOP128', 'URING_CMD128',
]; // prettier-ignore

/** How many opcodes (0 to this − 1) this build has names for. */
export const BUILTIN_OPCODES = BUILTIN.length;

/** A name the kernel (or a recording) may give an opcode: upper case, digits and underscores. */
export const OPCODE_NAME = /^[A-Z][A-Z0-9_]{0,31}$/;

/** The read-only side of an OpcodeTable: what views, filters and reports need. */
export interface OpcodeNames {
  /** The display name of an opcode number: a known name, a learned one, or OP_<n>. */
  name(code: number): string;
  /** The opcode number for a name (case-insensitive; OP_<n> and plain numbers accepted). */
  code(name: string): number | undefined;
}

export class OpcodeTable implements OpcodeNames {
  private readonly names: string[] = new Array<string>(256);
  private readonly codes = new Map<string, number>();
  private readonly learnedNames = new Map<string, number>();

  constructor() {
    for (let i = 0; i < 256; i++) this.names[i] = `OP_${i}`;
    BUILTIN.forEach((n, i) => (this.names[i] = n));
    this.names[IO_URING_ENTER] = 'IO_URING_ENTER';
    this.names.forEach((n, i) => this.codes.set(n, i));
  }

  name(code: number): string {
    return this.names[code & 0xff];
  }

  code(name: string): number | undefined {
    const upper = name.trim().toUpperCase();
    const hit = this.codes.get(upper);
    if (hit !== undefined) return hit;
    const m = /^(?:OP_)?(\d{1,3})$/.exec(upper);
    if (m && Number(m[1]) <= 255) return Number(m[1]);
    return undefined;
  }

  /**
   * Learns a name for an opcode this build has no name for (the kernel's op_str, or a recording's
   * metadata). Ignored when the code already has a name, or the name is not well-formed or taken.
   * Returns whether the name is now the code's.
   */
  learn(code: number, name: string): boolean {
    if (!Number.isInteger(code) || code < 0 || code >= IO_URING_ENTER) return false;
    if (!OPCODE_NAME.test(name)) return false;
    if (this.names[code] === name) return true;
    if (this.names[code] !== `OP_${code}` || this.codes.has(name)) return false;
    this.names[code] = name;
    this.codes.set(name, code);
    this.learnedNames.set(name, code);
    return true;
  }

  /**
   * The code for a name met in a recording: a known or learned one, or else, when the name is
   * well-formed, a code of its own (the highest code still without a name). A recording made on a
   * newer kernel, without its metadata, thus replays with its own names. Undefined for a name that
   * is not an opcode name, or when no code is left.
   */
  adopt(name: string): number | undefined {
    const known = this.code(name);
    if (known !== undefined) return known;
    if (!OPCODE_NAME.test(name)) return undefined;
    for (let c = IO_URING_ENTER - 1; c >= BUILTIN.length; c--) {
      if (this.names[c] === `OP_${c}` && this.learn(c, name)) return c;
    }
    return undefined;
  }

  /** Names learned from the kernel or a recording (name → code): what a recording's metadata keeps. */
  learned(): Record<string, number> {
    return Object.fromEntries(this.learnedNames);
  }
}

/**
 * Parses `READ,WRITE` (names case-insensitive, or numbers 0–255) into opcode numbers, or returns
 * a one-line error. Shared by `--opcode` and the filter prompt's `op:`.
 */
export function parseOpcodeList(text: string, names: OpcodeNames): number[] | string {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const p = part.trim();
    if (p.length === 0) continue;
    const code = names.code(p);
    if (code === undefined) {
      return `unknown opcode ${JSON.stringify(p)}: use names like READ,WRITE,FSYNC,IO_URING_ENTER or numbers 0-255`;
    }
    if (!out.includes(code)) out.push(code);
  }
  if (out.length === 0) return 'empty opcode list: use names like READ,WRITE';
  return out;
}

/**
 * The opcode classes, one table for the model and the capture program (bpf/): which results are
 * bytes, and where the kernel keeps a request's fields.
 */
export const OPCODE_CLASSES = {
  /** Positive result = bytes read into memory: READV READ_FIXED RECVMSG READ RECV READ_MULTISHOT READV_FIXED */
  read: [1, 4, 10, 22, 27, 49, 60],
  /** Positive result = bytes written out of memory: WRITEV WRITE_FIXED SENDMSG WRITE SEND SEND_ZC SENDMSG_ZC WRITEV_FIXED */
  write: [2, 5, 9, 23, 26, 47, 48, 61],
  /** A struct io_rw at the request (offset, length): READV WRITEV READ_FIXED WRITE_FIXED READ WRITE READ_MULTISHOT READV_FIXED WRITEV_FIXED */
  rw: [1, 2, 4, 5, 22, 23, 49, 60, 61],
  /** A struct io_sync (offset, length): FSYNC SYNC_FILE_RANGE FALLOCATE */
  sync: [3, 8, 17],
  /** A struct io_sr_msg (length): SENDMSG RECVMSG SEND RECV SEND_ZC SENDMSG_ZC */
  sendRecv: [9, 10, 26, 27, 47, 48],
  /** Can post several CQEs for one request (the later ones without the request): POLL_ADD RECVMSG TIMEOUT ACCEPT RECV SEND_ZC SENDMSG_ZC READ_MULTISHOT */
  multishot: [6, 10, 11, 13, 27, 47, 48, 49],
  /** Zero-copy sends: F_MORE on their CQE announces a notification, another request's CQE (SEND_ZC SENDMSG_ZC) */
  zeroCopySend: [47, 48],
  /** Vectored reads and writes: the bytes are the iov_iter's count (READV WRITEV) */
  vectored: [1, 2],
  /** Vectored with registered buffers: the iovecs copied at prep (READV_FIXED WRITEV_FIXED) */
  vectoredFixed: [60, 61],
  /** Messages: the msghdr's iov_iter count (SENDMSG RECVMSG SENDMSG_ZC) */
  vectoredMsg: [9, 10, 48],
} as const satisfies Record<string, readonly number[]>;

/** Opcodes whose positive result is bytes moved, read or written. */
export const BYTE_OPCODES: readonly number[] = [...OPCODE_CLASSES.read, ...OPCODE_CLASSES.write];

export type DataDirection = 'read' | 'write' | 'none';
const direction: DataDirection[] = new Array<DataDirection>(256).fill('none');
for (const c of OPCODE_CLASSES.read) direction[c] = 'read';
for (const c of OPCODE_CLASSES.write) direction[c] = 'write';

/** Whether an opcode's positive result counts as read bytes, written bytes, or neither. */
export function opcodeDirection(code: number): DataDirection {
  return direction[code & 0xff];
}
