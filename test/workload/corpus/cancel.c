/*
 * Cancellation: a poll cancelled by user data (ASYNC_CANCEL); a cancel that finds nothing
 * (-ENOENT); a timeout removed (TIMEOUT_REMOVE); three reads cancelled at once by their fd
 * (IORING_ASYNC_CANCEL_FD | ALL: the cancel's result is how many); a read punted to io-wq
 * (IOSQE_ASYNC) cancelled; a poll cancelled synchronously (IORING_REGISTER_SYNC_CANCEL: the
 * cancel is a system call, not a request, and posts no CQE of its own).
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

static void submit(struct io_uring *r, int n) {
  int ret = io_uring_submit(r);
  if (ret != n) die("io_uring_submit", ret < 0 ? ret : EIO);
}

/* Reaps `n` CQEs; those with user data `cancel_ud` must be `cancel_res`, the others -ECANCELED. */
static void reap(struct io_uring *r, struct tally *t, int n, unsigned long long cancel_ud,
                 int cancel_res) {
  for (int i = 0; i < n; i++) {
    struct cqe c = next_cqe(r);
    t->cqes++;
    if (c.user_data == cancel_ud)
      expect("cancel", c.res, cancel_res);
    else
      expect("cancelled request", c.res, -ECANCELED);
  }
}

int main(void) {
  struct tally t;
  tally_init(&t, 0);
  struct io_uring r;
  int ret = io_uring_queue_init(16, &r, 0);
  if (ret < 0) die("io_uring_queue_init", ret);
  int p[2];
  if (pipe(p) < 0) die("pipe", errno);
  static char buf[4][8];

  struct io_uring_sqe *sqe = sqe_of(&r);
  io_uring_prep_poll_add(sqe, p[0], POLLIN);
  io_uring_sqe_set_data64(sqe, 1);
  submit(&r, 1);
  sqe = sqe_of(&r);
  io_uring_prep_cancel64(sqe, 1, 0);
  io_uring_sqe_set_data64(sqe, 2);
  submit(&r, 1);
  reap(&r, &t, 2, 2, 0);

  sqe = sqe_of(&r);
  io_uring_prep_cancel64(sqe, 99, 0);
  io_uring_sqe_set_data64(sqe, 3);
  submit(&r, 1);
  reap(&r, &t, 1, 3, -ENOENT);

  static struct __kernel_timespec ts = {.tv_sec = 10};
  sqe = sqe_of(&r);
  io_uring_prep_timeout(sqe, &ts, 0, 0);
  io_uring_sqe_set_data64(sqe, 4);
  submit(&r, 1);
  sqe = sqe_of(&r);
  io_uring_prep_timeout_remove(sqe, 4, 0);
  io_uring_sqe_set_data64(sqe, 5);
  submit(&r, 1);
  reap(&r, &t, 2, 5, 0);

  for (int i = 0; i < 3; i++) {
    sqe = sqe_of(&r);
    io_uring_prep_read(sqe, p[0], buf[i], sizeof buf[i], 0);
    io_uring_sqe_set_data64(sqe, 10 + i);
  }
  submit(&r, 3);
  sqe = sqe_of(&r);
  io_uring_prep_cancel_fd(sqe, p[0], IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, 13);
  submit(&r, 1);
  reap(&r, &t, 4, 13, 3);

  sqe = sqe_of(&r);
  io_uring_prep_read(sqe, p[0], buf[0], sizeof buf[0], 0);
  sqe->flags |= IOSQE_ASYNC;
  io_uring_sqe_set_data64(sqe, 20);
  submit(&r, 1);
  sqe = sqe_of(&r);
  io_uring_prep_cancel64(sqe, 20, 0);
  io_uring_sqe_set_data64(sqe, 21);
  submit(&r, 1);
  for (int i = 0; i < 2; i++) {
    struct cqe c = next_cqe(&r);
    t.cqes++;
    if (c.user_data == 21)
      note(&t, "async_read_cancel_res", "%d", c.res);
    else
      note(&t, "async_read_res", "%d", c.res);
    if (c.res != 0 && c.res != -ECANCELED && c.res != -EALREADY && c.res != -EINTR)
      expect(c.user_data == 21 ? "cancel of an io-wq read" : "io-wq read", c.res, -ECANCELED);
  }

  sqe = sqe_of(&r);
  io_uring_prep_poll_add(sqe, p[0], POLLIN);
  io_uring_sqe_set_data64(sqe, 30);
  submit(&r, 1);
  struct io_uring_sync_cancel_reg reg;
  memset(&reg, 0, sizeof reg);
  reg.addr = 30;
  reg.timeout.tv_sec = -1;
  reg.timeout.tv_nsec = -1;
  ret = io_uring_register_sync_cancel(&r, &reg);
  expect("IORING_REGISTER_SYNC_CANCEL", ret, 0);
  reap(&r, &t, 1, 0, 0);
  expect("CQEs left", (int)io_uring_cq_ready(&r), 0);

  t.overflows = 0;
  close(p[0]);
  close(p[1]);
  io_uring_queue_exit(&r);
  return finish("cancel", &t);
}
