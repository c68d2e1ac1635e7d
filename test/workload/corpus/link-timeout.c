/*
 * Linked requests and timeouts: a read of an empty pipe linked to a 10 ms LINK_TIMEOUT (the
 * timeout fires: -ETIME, the read is cancelled: -ECANCELED); a NOP linked to a 10 s
 * LINK_TIMEOUT (the NOP completes, the timeout is cancelled); a chain whose first member fails
 * (the next is cancelled); a hard link (the next runs anyway); a plain TIMEOUT that expires and
 * one that completes after a count of 2 other completions; a NOP with CQE_SKIP_SUCCESS (no CQE at
 * all, no io_uring_complete).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "corpus.h"

struct want {
  unsigned long long ud;
  int res;
};

/* Submits what is queued (`n` SQEs) and reaps `n` CQEs, each checked against `want` (any order). */
static void run(struct io_uring *r, struct tally *t, unsigned n_sqes, const struct want *want,
                unsigned n) {
  int ret = io_uring_submit(r);
  if (ret != (int)n_sqes) die("io_uring_submit", ret < 0 ? ret : EIO);
  unsigned seen = 0;
  for (unsigned i = 0; i < n; i++) {
    struct cqe c = next_cqe(r);
    t->cqes++;
    unsigned j = 0;
    while (j < n && want[j].ud != c.user_data) j++;
    if (j == n || (seen & (1u << j))) {
      fprintf(stderr, "link-timeout: unexpected CQE %llu (%d)\n", c.user_data, c.res);
      failures++;
      continue;
    }
    seen |= 1u << j;
    char what[32];
    snprintf(what, sizeof what, "SQE %llu", c.user_data);
    expect(what, c.res, want[j].res);
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
  static char buf[8];
  static struct __kernel_timespec short_ts = {.tv_nsec = 10 * 1000 * 1000};
  static struct __kernel_timespec long_ts = {.tv_sec = 10};

  // read of an empty pipe + LINK_TIMEOUT 10 ms
  struct io_uring_sqe *sqe = sqe_of(&r);
  io_uring_prep_read(sqe, p[0], buf, sizeof buf, 0);
  sqe->flags |= IOSQE_IO_LINK;
  io_uring_sqe_set_data64(sqe, 1);
  sqe = sqe_of(&r);
  io_uring_prep_link_timeout(sqe, &short_ts, 0);
  io_uring_sqe_set_data64(sqe, 2);
  static const struct want w1[] = {{1, -ECANCELED}, {2, -ETIME}};
  run(&r, &t, 2, w1, 2);

  // NOP + LINK_TIMEOUT 10 s
  sqe = sqe_of(&r);
  io_uring_prep_nop(sqe);
  sqe->flags |= IOSQE_IO_LINK;
  io_uring_sqe_set_data64(sqe, 3);
  sqe = sqe_of(&r);
  io_uring_prep_link_timeout(sqe, &long_ts, 0);
  io_uring_sqe_set_data64(sqe, 4);
  static const struct want w2[] = {{3, 0}, {4, -ECANCELED}};
  run(&r, &t, 2, w2, 2);

  // a failing head (read of a closed fd) cancels its soft link; a hard link runs regardless
  sqe = sqe_of(&r);
  io_uring_prep_read(sqe, 1000, buf, sizeof buf, 0);
  sqe->flags |= IOSQE_IO_LINK;
  io_uring_sqe_set_data64(sqe, 5);
  queue_nop(&r, 6);
  sqe = sqe_of(&r);
  io_uring_prep_read(sqe, 1000, buf, sizeof buf, 0);
  sqe->flags |= IOSQE_IO_HARDLINK;
  io_uring_sqe_set_data64(sqe, 7);
  queue_nop(&r, 8);
  static const struct want w3[] = {{5, -EBADF}, {6, -ECANCELED}, {7, -EBADF}, {8, 0}};
  run(&r, &t, 4, w3, 4);

  // TIMEOUT 10 ms, expiring; TIMEOUT 10 s with count 2, satisfied by two NOPs
  sqe = sqe_of(&r);
  io_uring_prep_timeout(sqe, &short_ts, 0, 0);
  io_uring_sqe_set_data64(sqe, 9);
  static const struct want w4[] = {{9, -ETIME}};
  run(&r, &t, 1, w4, 1);
  sqe = sqe_of(&r);
  io_uring_prep_timeout(sqe, &long_ts, 2, 0);
  io_uring_sqe_set_data64(sqe, 10);
  queue_nop(&r, 11);
  queue_nop(&r, 12);
  static const struct want w5[] = {{10, 0}, {11, 0}, {12, 0}};
  run(&r, &t, 3, w5, 3);

  // CQE_SKIP_SUCCESS: a NOP that posts nothing, then one that does
  sqe = sqe_of(&r);
  io_uring_prep_nop(sqe);
  sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
  io_uring_sqe_set_data64(sqe, 13);
  queue_nop(&r, 14);
  static const struct want w6[] = {{14, 0}};
  run(&r, &t, 2, w6, 1);
  expect("CQEs left", (int)io_uring_cq_ready(&r), 0);

  t.overflows = 0;
  close(p[0]);
  close(p[1]);
  io_uring_queue_exit(&r);
  return finish("link-timeout", &t);
}
