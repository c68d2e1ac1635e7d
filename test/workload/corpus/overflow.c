/*
 * CQ overflow: completions posted while the CQ is full go to the kernel's overflow list
 * (io_uring_cqe_overflow fires instead of io_uring_complete) and reach the CQ later, when the
 * application has made room and enters the kernel for events. Modes:
 *
 *   overflow nops N        N NOPs (user data 1..N) submitted in batches of 4096 into a ring
 *                          whose CQ holds C = 4096, none reaped until all are submitted: C
 *                          complete into the CQ, N - C overflow (N = 65 536: 61 440, the "~61 K
 *                          completions overflow" of the issue, each a submitted request that never
 *                          gets an io_uring_complete). Then every one is reaped.
 *   overflow poll N        a multishot poll on a pipe; N times one byte written and read back
 *                          without reaping: C = 2 multishot CQEs in the CQ, then the kernel ends
 *                          the poll with a last CQE that overflows; the later writes post nothing.
 *   overflow polls N       N multishot polls (user data 1..N) on one pipe, a CQ of C = 64, one
 *                          byte written: C polls post a CQE (F_MORE) into the CQ, and the kernel
 *                          ends the N - C others, whose last CQE (the request's completion)
 *                          overflows: N - C submitted requests that never get an
 *                          io_uring_complete. Then every CQE is reaped, and the C polls still armed
 *                          cancelled: C + 1 CQEs (theirs and the cancel's), one of which overflows.
 *   overflow exit          a full CQ, an overflowed NOP, and a poll and a timeout in flight when
 *                          the program exits: their cancellations overflow too, unreaped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "corpus.h"

/* Reaps `want` CQEs, each with user data `ud` (any if ~0); returns how many had F_MORE. */
static unsigned reap(struct io_uring *r, unsigned long long ud, unsigned long long want,
                     unsigned long long *got) {
  unsigned more = 0;
  while (*got < want) {
    struct cqe c = next_cqe(r);
    if (ud != ~0ULL && c.user_data != ud) {
      fprintf(stderr, "overflow: CQE for %llu, expected %llu\n", (unsigned long long)c.user_data,
              ud);
      failures++;
    }
    if (c.flags & IORING_CQE_F_MORE) more++;
    (*got)++;
  }
  return more;
}

static void nop_flood(struct tally *t, unsigned long long n) {
  const unsigned size = 4096;
  struct io_uring r;
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  p.flags = IORING_SETUP_CQSIZE;
  p.cq_entries = size;
  int ret = io_uring_queue_init_params(size, &r, &p);
  if (ret < 0) die("io_uring_queue_init_params", ret);
  if (p.cq_entries != size) die("CQ size", EINVAL);
  for (unsigned long long done = 0; done < n;) {
    unsigned batch = n - done < size ? (unsigned)(n - done) : size;
    for (unsigned i = 0; i < batch; i++) queue_nop(&r, done + i + 1);
    ret = io_uring_submit(&r);
    if (ret != (int)batch) die("io_uring_submit", ret < 0 ? ret : EIO);
    done += batch;
  }
  unsigned long long got = 0;
  reap(&r, ~0ULL, n, &got);
  t->cqes += n < size ? n : size;
  t->overflows += n < size ? 0 : n - size;
  // none dropped: every CQE reached the CQ, through the overflow list or not
  expect("cq overflow (dropped CQEs)", (int)*r.cq.koverflow, 0);
  note(t, "cq_entries", "%u", size);
  io_uring_queue_exit(&r);
}

/*
 * A multishot poll cannot outlive a full CQ: when its next CQE finds the CQ full, the kernel ends
 * it, and that last CQE (no F_MORE; the request's own completion) goes to the overflow list.
 * The later writes post nothing.
 */
static void poll_flood(struct tally *t, unsigned long long n) {
  struct io_uring r;
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  p.flags = IORING_SETUP_CQSIZE;
  p.cq_entries = 2;
  int ret = io_uring_queue_init_params(1, &r, &p);
  if (ret < 0) die("io_uring_queue_init_params", ret);
  const unsigned cq = p.cq_entries;
  int fds[2];
  if (pipe(fds) < 0) die("pipe", errno);
  struct io_uring_sqe *sqe = sqe_of(&r);
  io_uring_prep_poll_multishot(sqe, fds[0], POLLIN);
  io_uring_sqe_set_data64(sqe, 7);
  ret = io_uring_submit(&r);
  if (ret != 1) die("io_uring_submit(poll)", ret < 0 ? ret : EIO);
  char b = 'x';
  for (unsigned long long i = 0; i < n; i++) {
    // each write wakes the poll; its CQE is posted by task work as the write returns
    if (write(fds[1], &b, 1) != 1) die("write", errno);
    if (read(fds[0], &b, 1) != 1) die("read", errno);
  }
  note(t, "cq_entries", "%u", cq);
  unsigned long long got = 0;
  unsigned more = reap(&r, 7, cq + 1, &got);
  expect("multishot CQEs with F_MORE", (int)more, (int)cq);
  t->cqes += cq;
  t->overflows += 1;
  expect("cq overflow (dropped CQEs)", (int)*r.cq.koverflow, 0);
  // nothing more: the poll is over, and cancelling it finds nothing
  expect("CQEs after the poll's end", (int)io_uring_cq_ready(&r), 0);
  sqe = sqe_of(&r);
  io_uring_prep_cancel64(sqe, 7, 0);
  io_uring_sqe_set_data64(sqe, 8);
  ret = io_uring_submit(&r);
  if (ret != 1) die("io_uring_submit(cancel)", ret < 0 ? ret : EIO);
  expect_cqe(&r, t, "cancel of the ended poll", 8, -ENOENT);
  close(fds[0]);
  close(fds[1]);
  io_uring_queue_exit(&r);
}

/* Many multishot polls ended by a full CQ: see the modes above. */
static void polls_flood(struct tally *t, unsigned long long n) {
  const unsigned cq = 64;
  struct io_uring r;
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  p.flags = IORING_SETUP_CQSIZE;
  p.cq_entries = cq;
  int ret = io_uring_queue_init_params(cq, &r, &p);
  if (ret < 0) die("io_uring_queue_init_params", ret);
  if (p.cq_entries != cq || n <= cq) die("CQ size", EINVAL);
  int fds[2];
  if (pipe(fds) < 0) die("pipe", errno);
  for (unsigned long long done = 0; done < n;) {
    unsigned batch = n - done < cq ? (unsigned)(n - done) : cq;
    for (unsigned i = 0; i < batch; i++) {
      struct io_uring_sqe *sqe = sqe_of(&r);
      io_uring_prep_poll_multishot(sqe, fds[0], POLLIN);
      io_uring_sqe_set_data64(sqe, done + i + 1);
    }
    ret = io_uring_submit(&r);
    if (ret != (int)batch) die("io_uring_submit(polls)", ret < 0 ? ret : EIO);
    done += batch;
  }
  char b = 'x';
  if (write(fds[1], &b, 1) != 1) die("write", errno);
  unsigned long long got = 0;
  unsigned more = reap(&r, ~0ULL, n, &got);
  expect("CQEs with F_MORE (the polls still armed)", (int)more, (int)cq);
  t->cqes += cq;
  t->overflows += n - cq;
  expect("cq overflow (dropped CQEs)", (int)*r.cq.koverflow, 0);
  // the polls still armed: cancelled, each with its last CQE, and the cancel's
  struct io_uring_sqe *sqe = sqe_of(&r);
  io_uring_prep_cancel_fd(sqe, fds[0], IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, n + 1);
  ret = io_uring_submit(&r);
  if (ret != 1) die("io_uring_submit(cancel)", ret < 0 ? ret : EIO);
  got = 0;
  reap(&r, ~0ULL, cq + 1, &got);
  // (C + 1 CQEs into an empty CQ of C: one overflows)
  t->cqes += cq;
  t->overflows += 1;
  note(t, "cq_entries", "%u", cq);
  close(fds[0]);
  close(fds[1]);
  io_uring_queue_exit(&r);
}

/*
 * Exits with a full CQ, a CQE in the overflow list and two requests in flight (a poll on a pipe
 * that is never written, a 60 s timeout): the kernel cancels both as the process exits and the
 * ring is torn down; their CQEs find the CQ full and overflow.
 */
static void exit_full(struct tally *t) {
  struct io_uring r;
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  p.flags = IORING_SETUP_CQSIZE;
  p.cq_entries = 2;
  int ret = io_uring_queue_init_params(2, &r, &p);
  if (ret < 0) die("io_uring_queue_init_params", ret);
  int fds[2];
  if (pipe(fds) < 0) die("pipe", errno);
  struct io_uring_sqe *sqe = sqe_of(&r);
  io_uring_prep_poll_add(sqe, fds[0], POLLIN);
  io_uring_sqe_set_data64(sqe, 1);
  static struct __kernel_timespec ts = {.tv_sec = 60};
  sqe = sqe_of(&r);
  io_uring_prep_timeout(sqe, &ts, 0, 0);
  io_uring_sqe_set_data64(sqe, 2);
  ret = io_uring_submit(&r);
  if (ret != 2) die("io_uring_submit(poll, timeout)", ret < 0 ? ret : EIO);
  for (int i = 0; i < 3; i++) {
    queue_nop(&r, 10 + i);
    ret = io_uring_submit(&r);
    if (ret != 1) die("io_uring_submit(nop)", ret < 0 ? ret : EIO);
  }
  expect("CQEs ready", (int)io_uring_cq_ready(&r), 2);
  t->cqes += 2;
  t->overflows += 1 + 2;
  t->after_exit = 2;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: overflow nops N | poll N | polls N | exit\n");
    return 2;
  }
  struct tally t;
  tally_init(&t, 0);
  unsigned long long n = argc > 2 ? strtoull(argv[2], NULL, 10) : 0;
  if (strcmp(argv[1], "nops") == 0)
    nop_flood(&t, n);
  else if (strcmp(argv[1], "poll") == 0)
    poll_flood(&t, n);
  else if (strcmp(argv[1], "polls") == 0)
    polls_flood(&t, n);
  else if (strcmp(argv[1], "exit") == 0)
    exit_full(&t);
  else
    die("mode", EINVAL);
  note(&t, "mode", "\"%s\"", argv[1]);
  return finish("overflow", &t);
}
