/*
 * DEFER_TASKRUN + SINGLE_ISSUER: completions that need task work (a pipe read that waited for
 * data, a multishot poll's events) are posted only when this task enters the kernel for events
 * (io_uring_local_work_run), never from the interrupt or the waker.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "corpus.h"

int main(void) {
  struct tally t;
  tally_init(&t, 0);
  struct io_uring r;
  int ret = io_uring_queue_init(16, &r, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
  if (ret < 0) die("io_uring_queue_init(DEFER_TASKRUN)", ret);
  nops(&r, &t, 8, 100);

  // reads of an empty pipe wait (poll armed); the writes make them ready, task work posts them
  int p[2];
  if (pipe(p) < 0) die("pipe", errno);
  static char buf[4][8];
  for (int i = 0; i < 4; i++) {
    struct io_uring_sqe *sqe = sqe_of(&r);
    io_uring_prep_read(sqe, p[0], buf[i], 8, 0);
    io_uring_sqe_set_data64(sqe, 200 + i);
    ret = io_uring_submit(&r);
    if (ret != 1) die("io_uring_submit(read)", ret < 0 ? ret : EIO);
    if (write(p[1], "deferred", 8) != 8) die("write", errno);
    struct cqe c = next_cqe(&r);
    t.cqes++;
    expect("pipe read", c.res, 8);
  }

  // a multishot poll on an eventfd: one CQE per signal, then cancelled
  int efd = eventfd(0, EFD_NONBLOCK);
  if (efd < 0) die("eventfd", errno);
  struct io_uring_sqe *sqe = sqe_of(&r);
  io_uring_prep_poll_multishot(sqe, efd, POLLIN);
  io_uring_sqe_set_data64(sqe, 300);
  ret = io_uring_submit(&r);
  if (ret != 1) die("io_uring_submit(poll)", ret < 0 ? ret : EIO);
  for (int i = 0; i < 5; i++) {
    unsigned long long one = 1, v;
    if (write(efd, &one, sizeof one) != sizeof one) die("write(eventfd)", errno);
    struct cqe c = next_cqe(&r);
    t.cqes++;
    if (c.user_data != 300 || !(c.flags & IORING_CQE_F_MORE)) {
      fprintf(stderr, "defer-taskrun: poll CQE %llu flags %x\n", c.user_data, c.flags);
      failures++;
    }
    if (read(efd, &v, sizeof v) != sizeof v) die("read(eventfd)", errno);
  }
  sqe = sqe_of(&r);
  io_uring_prep_poll_remove(sqe, 300);
  io_uring_sqe_set_data64(sqe, 301);
  ret = io_uring_submit(&r);
  if (ret != 1) die("io_uring_submit(poll remove)", ret < 0 ? ret : EIO);
  for (int i = 0; i < 2; i++) {
    struct cqe c = next_cqe(&r);
    t.cqes++;
    expect(c.user_data == 300 ? "poll end" : "poll remove", c.res,
           c.user_data == 300 ? -ECANCELED : 0);
  }
  t.overflows = 0;
  close(efd);
  close(p[0]);
  close(p[1]);
  io_uring_queue_exit(&r);
  return finish("defer-taskrun", &t);
}
