/**
 * Linux errno numbers (x86_64, which uses the generic asm-generic numbering) to their names, for
 * the "errors by errno" breakdown. A negative io_uring result is -errno.
 */

// Index = errno. 41 and 58 are unused on Linux (EWOULDBLOCK and EDEADLOCK are aliases of
// EAGAIN and EDEADLK), so they render as ERRNO_41 / ERRNO_58.
const USER_ERRNOS: readonly string[] = [
  '', 'EPERM', 'ENOENT', 'ESRCH', 'EINTR', 'EIO', 'ENXIO', 'E2BIG', 'ENOEXEC', 'EBADF', 'ECHILD',
  'EAGAIN', 'ENOMEM', 'EACCES', 'EFAULT', 'ENOTBLK', 'EBUSY', 'EEXIST', 'EXDEV', 'ENODEV',
  'ENOTDIR', 'EISDIR', 'EINVAL', 'ENFILE', 'EMFILE', 'ENOTTY', 'ETXTBSY', 'EFBIG', 'ENOSPC',
  'ESPIPE', 'EROFS', 'EMLINK', 'EPIPE', 'EDOM', 'ERANGE', 'EDEADLK', 'ENAMETOOLONG', 'ENOLCK',
  'ENOSYS', 'ENOTEMPTY', 'ELOOP', '', 'ENOMSG', 'EIDRM', 'ECHRNG', 'EL2NSYNC', 'EL3HLT', 'EL3RST',
  'ELNRNG', 'EUNATCH', 'ENOCSI', 'EL2HLT', 'EBADE', 'EBADR', 'EXFULL', 'ENOANO', 'EBADRQC',
  'EBADSLT', '', 'EBFONT', 'ENOSTR', 'ENODATA', 'ETIME', 'ENOSR', 'ENONET', 'ENOPKG', 'EREMOTE',
  'ENOLINK', 'EADV', 'ESRMNT', 'ECOMM', 'EPROTO', 'EMULTIHOP', 'EDOTDOT', 'EBADMSG', 'EOVERFLOW',
  'ENOTUNIQ', 'EBADFD', 'EREMCHG', 'ELIBACC', 'ELIBBAD', 'ELIBSCN', 'ELIBMAX', 'ELIBEXEC',
  'EILSEQ', 'ERESTART', 'ESTRPIPE', 'EUSERS', 'ENOTSOCK', 'EDESTADDRREQ', 'EMSGSIZE',
  'EPROTOTYPE', 'ENOPROTOOPT', 'EPROTONOSUPPORT', 'ESOCKTNOSUPPORT', 'EOPNOTSUPP',
  'EPFNOSUPPORT', 'EAFNOSUPPORT', 'EADDRINUSE', 'EADDRNOTAVAIL', 'ENETDOWN', 'ENETUNREACH',
  'ENETRESET', 'ECONNABORTED', 'ECONNRESET', 'ENOBUFS', 'EISCONN', 'ENOTCONN', 'ESHUTDOWN',
  'ETOOMANYREFS', 'ETIMEDOUT', 'ECONNREFUSED', 'EHOSTDOWN', 'EHOSTUNREACH', 'EALREADY',
  'EINPROGRESS', 'ESTALE', 'EUCLEAN', 'ENOTNAM', 'ENAVAIL', 'EISNAM', 'EREMOTEIO', 'EDQUOT',
  'ENOMEDIUM', 'EMEDIUMTYPE', 'ECANCELED', 'ENOKEY', 'EKEYEXPIRED', 'EKEYREVOKED',
  'EKEYREJECTED', 'EOWNERDEAD', 'ENOTRECOVERABLE', 'ERFKILL', 'EHWPOISON',
]; // prettier-ignore

// Kernel-internal codes (include/linux/errno.h) that can still leak into a traced result.
const KERNEL_ERRNOS: ReadonlyArray<readonly [number, string]> = [
  [512, 'ERESTARTSYS'], [513, 'ERESTARTNOINTR'], [514, 'ERESTARTNOHAND'], [515, 'ENOIOCTLCMD'],
  [516, 'ERESTART_RESTARTBLOCK'], [517, 'EPROBE_DEFER'], [518, 'EOPENSTALE'], [519, 'ENOPARAM'],
  [521, 'EBADHANDLE'], [522, 'ENOTSYNC'], [523, 'EBADCOOKIE'], [524, 'ENOTSUPP'],
  [525, 'ETOOSMALL'], [526, 'ESERVERFAULT'], [527, 'EBADTYPE'], [528, 'EJUKEBOX'],
  [529, 'EIOCBQUEUED'], [530, 'ERECALLCONFLICT'], [531, 'ENOGRACE'],
]; // prettier-ignore

/** The kernel never returns an errno above this (MAX_ERRNO). */
export const MAX_ERRNO = 4095;

const nameByErrno: string[] = [];
const errnoByName = new Map<string, number>();
for (let i = 0; i <= MAX_ERRNO; i++) nameByErrno.push(`ERRNO_${i}`);
USER_ERRNOS.forEach((n, i) => {
  if (n !== '') nameByErrno[i] = n;
});
for (const [code, n] of KERNEL_ERRNOS) nameByErrno[code] = n;
nameByErrno.forEach((n, i) => errnoByName.set(n, i));
errnoByName.set('EWOULDBLOCK', 11);
errnoByName.set('EDEADLOCK', 35);

/**
 * The name of an errno (positive, e.g. 11 → EAGAIN; a negative result is accepted too, so
 * errnoName(-125) → ECANCELED). Unknown numbers render as ERRNO_<n>.
 */
export function errnoName(errno: number): string {
  const n = Math.abs(Math.trunc(errno));
  return n <= MAX_ERRNO ? nameByErrno[n] : `ERRNO_${n}`;
}

const ETIME = 62;
const EAGAIN = 11;
const ECANCELED = 125;
/** TIMEOUT, LINK_TIMEOUT, and the io_uring_enter syscall (a wait with a timeout). */
const TIMED = new Set([11, 15, 255]);

/**
 * Whether a negative result is what the operation is for, not a failure: -ECANCELED (a cancel
 * was asked for), -EAGAIN (a non-blocking operation found nothing to do), -ETIME from a timeout
 * or a timed wait. They are counted apart from errors, which mean something went wrong.
 */
export function isExpectedError(opcode: number, errno: number): boolean {
  return errno === ECANCELED || errno === EAGAIN || (errno === ETIME && TIMED.has(opcode));
}

/**
 * The errno rows' key: the errno, plus EXPECTED_KEY when the result was expected (the same errno
 * can be both: ETIME from TIMEOUT is expected, from a READ it is not).
 */
export const EXPECTED_KEY = MAX_ERRNO + 1;
export function errnoKey(opcode: number, errno: number): number {
  const e = errno > MAX_ERRNO ? MAX_ERRNO : errno;
  return isExpectedError(opcode, e) ? e + EXPECTED_KEY : e;
}

/** Of a counts row's errnos (flat pairs [errno, n, …]), how many results were expected. */
export function expectedOf(opcode: number, errnos: readonly number[]): number {
  let n = 0;
  for (let i = 0; i + 1 < errnos.length; i += 2)
    if (isExpectedError(opcode, errnos[i])) n += errnos[i + 1];
  return n;
}

/** The errno number for a name (case-insensitive, aliases accepted), or undefined. */
export function errnoCode(name: string): number | undefined {
  return errnoByName.get(name.trim().toUpperCase());
}
