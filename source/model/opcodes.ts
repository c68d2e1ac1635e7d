/**
 * io_uring opcodes (enum io_uring_op, kernel 6.18 / liburing) plus the seed's IO_URING_ENTER row.
 * Names are the kernel's op_str spellings; an unknown number renders as OP_<n>.
 */
export const IO_URING_ENTER = 255;

const NAMES: readonly string[] = [
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

const nameByCode: string[] = new Array<string>(256);
const codeByName = new Map<string, number>();
for (let i = 0; i < 256; i++) nameByCode[i] = `OP_${i}`;
NAMES.forEach((n, i) => (nameByCode[i] = n));
nameByCode[IO_URING_ENTER] = 'IO_URING_ENTER';
nameByCode.forEach((n, i) => codeByName.set(n, i));

/** The display name of an opcode number: the table's name, a kernel-provided name, or OP_<n>. */
export function opcodeName(code: number): string {
  return nameByCode[code & 0xff] ?? `OP_${code}`;
}

/** The opcode number for a name (case-insensitive; OP_<n> accepted), or undefined. */
export function opcodeCode(name: string): number | undefined {
  const upper = name.trim().toUpperCase();
  const hit = codeByName.get(upper);
  if (hit !== undefined) return hit;
  const m = /^OP_(\d{1,3})$/.exec(upper);
  if (m && Number(m[1]) <= 255) return Number(m[1]);
  return undefined;
}

/**
 * Learn the running kernel's name for an opcode (from the tracepoint's op_str), so that opcodes
 * newer than this table still show their real name. Only well-formed names are accepted.
 */
export function learnOpcodeName(code: number, name: string): void {
  if (code < 0 || code >= IO_URING_ENTER) return;
  if (!/^[A-Z][A-Z0-9_]{0,31}$/.test(name)) return;
  if (nameByCode[code] !== `OP_${code}`) return;
  nameByCode[code] = name;
  codeByName.set(name, code);
}

export const KNOWN_OPCODE_COUNT = NAMES.length;

/** Operations whose positive result is bytes read into memory. */
const READ_CLASS = new Set([1, 4, 10, 22, 27, 49, 60]); // READV READ_FIXED RECVMSG READ RECV READ_MULTISHOT READV_FIXED
/** Operations whose positive result is bytes written out of memory. */
const WRITE_CLASS = new Set([2, 5, 9, 23, 26, 47, 48, 61]); // WRITEV WRITE_FIXED SENDMSG WRITE SEND SEND_ZC SENDMSG_ZC WRITEV_FIXED

export type DataDirection = 'read' | 'write' | 'none';
const direction: DataDirection[] = new Array<DataDirection>(256).fill('none');
for (const c of READ_CLASS) direction[c] = 'read';
for (const c of WRITE_CLASS) direction[c] = 'write';

/** Whether an opcode's positive result counts as read bytes, written bytes, or neither. */
export function opcodeDirection(code: number): DataDirection {
  return direction[code & 0xff];
}
