/**
 * What to change, for each rule: written from what the kernel and liburing document
 * (io_uring_setup(2), io_uring_enter(2), io_uring_register(2), liburing's man pages) and what
 * the kernel's io_uring code does; docs/doctor.md gives the sources. One sentence or three,
 * no guesses: where the cause depends on what iouringtop cannot see, the text says what to check.
 */

export function puntFix(opName: string, byDesign: boolean): string {
  if (byDesign)
    return (
      `io_uring never runs ${opName} without blocking: each one goes to an io-wq worker by design. ` +
      (opName === 'FSYNC'
        ? 'Issue fewer of them (one FSYNC for a group of writes; IORING_FSYNC_DATASYNC where the ' +
          'metadata need not be synced), '
        : 'Issue fewer of them where the application can, ') +
      'and cap the workers with IORING_REGISTER_IOWQ_MAX_WORKERS ' +
      '(io_uring_register_iowq_max_workers) if they are many.'
    );
  if (/WRITE/.test(opName))
    return (
      `The ${opName}s could not complete without blocking, so io_uring handed them to io-wq ` +
      'workers. Buffered writes punt when the file system cannot write the page cache without ' +
      'blocking (allocating blocks, a sparse or growing file, or no support for non-blocking ' +
      'buffered writes): open with O_DIRECT and aligned buffers, preallocate the file ' +
      '(fallocate), or cap the workers with IORING_REGISTER_IOWQ_MAX_WORKERS. If the SQEs set ' +
      'IOSQE_ASYNC, drop it: it skips the non-blocking try.'
    );
  if (/READ|RECV|SEND|ACCEPT|CONNECT/.test(opName))
    return (
      `The ${opName}s could not complete without blocking, so io_uring handed them to io-wq ` +
      'workers. Reads of files not in the page cache punt (O_DIRECT avoids it where the file ' +
      'system supports non-blocking direct I/O); sockets and pipes arm a poll instead, unless ' +
      'the SQE sets IOSQE_ASYNC, which skips the non-blocking try: drop it. ' +
      'IORING_REGISTER_IOWQ_MAX_WORKERS caps the workers.'
    );
  return (
    `The ${opName}s could not complete without blocking, so io_uring handed them to io-wq ` +
    'workers. Check for IOSQE_ASYNC on their SQEs (it skips the non-blocking try), use ' +
    'registered files (IORING_REGISTER_FILES) and O_DIRECT where they apply, and cap the workers ' +
    'with IORING_REGISTER_IOWQ_MAX_WORKERS.'
  );
}

export function workersFix(): string {
  return (
    'io-wq starts a worker thread for each blocking request it runs: bounded work (regular ' +
    'files, block devices) up to min(SQ entries, 4 × CPUs) by default, unbounded work (sockets, ' +
    'pipes, splice) up to RLIMIT_NPROC. Cap both with IORING_REGISTER_IOWQ_MAX_WORKERS ' +
    '(io_uring_register_iowq_max_workers: [bounded, unbounded]), and send fewer requests to ' +
    'io-wq (see the punts findings): requests over the cap wait for a free worker.'
  );
}

export function overflowFix(cq: number | undefined, inFlight: number | undefined): string {
  const size =
    inFlight !== undefined && cq !== undefined && inFlight > cq
      ? ` (at least ${2 ** Math.ceil(Math.log2(inFlight))} entries: the CQ plus the overflow list's peak, to the next power of two)`
      : '';
  return (
    'The CQ filled up before the application reaped it, and the kernel kept the completions ' +
    'on its overflow list (IORING_FEAT_NODROP), where they wait, cost memory, and make ' +
    'submissions fail with -EBUSY when they cannot be flushed. Make the CQ larger with ' +
    `IORING_SETUP_CQSIZE and cq_entries${size}, keep no more requests in flight than the CQ ` +
    'holds, and reap more often (io_uring_peek_batch_cqe, io_uring_cq_advance).'
  );
}

export function sqpollFix(): string {
  return (
    'An SQPOLL thread polls the SQ for new entries and sleeps only after sq_thread_idle ' +
    'milliseconds without work (io_uring_setup(2)); fed a little work often, it never sleeps ' +
    'and holds a CPU. With this few operations, submitting with io_uring_enter costs less: drop ' +
    'IORING_SETUP_SQPOLL, or set a short sq_thread_idle; where SQPOLL stays, share one thread ' +
    'between rings (IORING_SETUP_ATTACH_WQ) and pin it (IORING_SETUP_SQ_AFF, sq_thread_cpu).'
  );
}

export function batchFix(fewer: number): string {
  return (
    'Each io_uring_enter call is a system call; submitting one operation per call pays it for ' +
    'every operation. Queue several SQEs and submit them together (one io_uring_submit for the ' +
    'batch, io_uring_submit_and_wait to submit and wait in one call); at 8 per call that is ' +
    `about ${fewer.toLocaleString('en-US')} fewer calls a second.`
  );
}

export function pollFix(opName: string): string {
  return (
    `Each ${opName} found its socket or pipe not ready, so io_uring armed a poll and retried it ` +
    'when data came: a poll arm and a wakeup per operation. A multishot receive ' +
    '(io_uring_prep_recv_multishot, IORING_RECV_MULTISHOT) with provided buffers ' +
    '(IOSQE_BUFFER_SELECT, a ring registered with IORING_REGISTER_PBUF_RING) stays armed and ' +
    'posts a CQE for each arrival; a multishot accept does the same for connections.'
  );
}

export function enobufsFix(): string {
  return (
    'The requests selected a provided buffer (IOSQE_BUFFER_SELECT) and the group had none left, ' +
    'so they failed with -ENOBUFS, and a multishot request ends with it (no IORING_CQE_F_MORE). ' +
    'Provide more buffers, or larger ones, in the buffer ring (IORING_REGISTER_PBUF_RING), ' +
    'and give each one back (io_uring_buf_ring_add, io_uring_buf_ring_advance) as soon as ' +
    'its data is used.'
  );
}

export function msEndsFix(opName: string, enobufs: boolean): string {
  return (
    `A multishot ${opName} stays armed while each CQE has IORING_CQE_F_MORE; one without it ` +
    'means the request ended and must be submitted again (a re-arm: a submission and a poll ' +
    'arm). ' +
    (enobufs
      ? 'Here the buffer group ran dry (ENOBUFS): provide more buffers and give them back sooner. '
      : 'It ends when it fails (an error, the buffer group empty), at end of stream, or when its ' +
        "CQE finds the CQ full: check the ending CQE's result, and the CQ size. ") +
    'Re-arm only after an ending CQE, never while one is armed.'
  );
}

export function shortFix(write: boolean): string {
  return write
    ? 'Fewer bytes were written (or sent) than asked: the rest was not. Submit the remainder ' +
        'from the new offset, and check for a full disk, a quota, or a non-blocking socket whose ' +
        'buffer was full (MSG_WAITALL on a send waits for the whole).'
    : 'Fewer bytes came back than asked: at the end of a file, or what a socket or pipe had. ' +
        'Read the rest with a further request if it is needed; for sockets, MSG_WAITALL waits ' +
        'for the whole length, and a multishot receive with provided buffers takes what comes.';
}

export function failureFix(errName: string, opName: string): string {
  const why: Record<string, string> = {
    EBADF:
      'the descriptor is not open (closed too early, or a registered-file index without IOSQE_FIXED_FILE)',
    EINVAL: 'the SQE has a field or flag this opcode or kernel does not take',
    EFAULT: 'a buffer address is not mapped',
    ENOENT: 'the path does not exist',
    EACCES: 'permission denied',
    EPERM: 'the operation is not permitted',
    EOPNOTSUPP: 'the file or kernel does not support this operation',
    ENOSPC: 'the file system is full',
    EIO: 'the device reported an I/O error',
    ECONNRESET: 'the peer reset the connection',
    EPIPE: 'the peer closed its end',
    ENOMEM: 'the kernel could not allocate memory',
    EBUSY: 'the resource is busy (for io_uring_enter: the overflow list could not be flushed)',
  };
  return (
    `${opName} failed with ${errName}` +
    (why[errName] ? `: ${why[errName]}` : '') +
    '. Check the requests that fail (the events view, filtered on the process and the opcode, ' +
    'shows their fd, offset and length).'
  );
}

export function linksFix(opName: string, errName: string | undefined): string {
  return (
    `A ${opName} in an IOSQE_IO_LINK chain failed${errName ? ` (${errName})` : ''}, so the ` +
    'kernel cancelled the requests linked after it (-ECANCELED). Fix what makes the head fail; ' +
    'where the later requests must run whatever happens, link them with IOSQE_IO_HARDLINK. ' +
    'A short read or write also breaks a plain link.'
  );
}
