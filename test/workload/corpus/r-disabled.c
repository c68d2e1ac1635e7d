/*
 * Rings created disabled (IORING_SETUP_R_DISABLED) and enabled later
 * (IORING_REGISTER_ENABLE_RINGS): before that, io_uring_enter fails with -EBADFD (a call all
 * the same, and no request). Once enabled, the SQEs queued meanwhile are submitted. The same
 * with an SQPOLL ring, whose SQ thread starts only when the ring is enabled.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "corpus.h"

static void disabled(struct tally *t, unsigned flags, const char *name) {
  struct io_uring r;
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  p.flags = IORING_SETUP_R_DISABLED | flags;
  p.sq_thread_idle = 1000;
  int ret = io_uring_queue_init_params(8, &r, &p);
  if (ret < 0) die("io_uring_queue_init_params(R_DISABLED)", ret);
  for (int i = 0; i < 4; i++) queue_nop(&r, 100 + i);
  if (!(flags & IORING_SETUP_SQPOLL)) {
    // liburing hands the SQEs to the kernel's SQ and enters: refused, the SQEs stay queued
    ret = io_uring_submit(&r);
    expect("io_uring_submit on a disabled ring", ret, -EBADFD);
  }
  // (liburing 2.3 declares io_uring_enable_rings but its library lacks it)
  ret = io_uring_register(r.ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
  if (ret < 0) die("IORING_REGISTER_ENABLE_RINGS", ret);
  ret = io_uring_submit(&r);
  expect("io_uring_submit once enabled", ret, 4);
  for (int i = 0; i < 4; i++) {
    struct cqe c = next_cqe(&r);
    t->cqes++;
    expect("NOP", c.res, 0);
  }
  nops(&r, t, 4, 200);
  note(t, name, "\"enabled\"");
  io_uring_queue_exit(&r);
}

int main(void) {
  struct tally t;
  tally_init(&t, 1);
  disabled(&t, 0, "plain");
  disabled(&t, IORING_SETUP_SQPOLL, "sqpoll");
  t.overflows = 0;
  return finish("r-disabled", &t);
}
