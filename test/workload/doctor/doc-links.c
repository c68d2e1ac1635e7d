/*
 * Broken links: chains of three (IOSQE_IO_LINK) whose head, a READ of a descriptor that is not
 * open, fails with -EBADF; the kernel cancels the two NOPs linked after it (-ECANCELED,
 * io_uring_fail_link): the doctor's `broken_links`, and its `failures` for the head.
 *
 *   doc-links CHAINS
 *
 * Reports {"chains":N,"heads_failed":N,"cancelled":2N}.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "doctor.h"

#define NOT_OPEN 1000

struct seen {
  long ebadf, cancelled;
};

static void tally(int res, unsigned flags, void *ctx) {
  (void)flags;
  struct seen *s = ctx;
  if (res == -EBADF) s->ebadf++;
  else if (res == -ECANCELED) s->cancelled++;
  else expect("a member of a broken chain", res, -ECANCELED);
}

int main(int argc, char **argv) {
  long chains = arg_count(argc, argv, 1, "CHAINS");
  static char buf[512];
  if (fcntl(NOT_OPEN, F_GETFD) != -1) die("fd 1000 is open", EEXIST);
  struct io_uring ring;
  int ret = io_uring_queue_init(8, &ring, 0);
  if (ret < 0) die("io_uring_queue_init", ret);
  await_go();
  struct seen s = {0, 0};
  for (long c = 0; c < chains; c++) {
    struct io_uring_sqe *sqe = sqe_of(&ring);
    io_uring_prep_read(sqe, NOT_OPEN, buf, sizeof buf, 0);
    sqe->flags |= IOSQE_IO_LINK;
    sqe = sqe_of(&ring);
    io_uring_prep_nop(sqe);
    sqe->flags |= IOSQE_IO_LINK;
    io_uring_prep_nop(sqe_of(&ring));
    ret = io_uring_submit(&ring);
    if (ret != 3) die("io_uring_submit", ret < 0 ? ret : EIO);
    reap_n(&ring, 3, tally, &s);
  }
  io_uring_queue_exit(&ring);
  expect("failed heads", (int)s.ebadf, (int)chains);
  expect("cancelled members", (int)s.cancelled, (int)(2 * chains));
  report("\"chains\":%ld,\"heads_failed\":%ld,\"cancelled\":%ld", chains, s.ebadf, s.cancelled);
  return failures ? 1 : 0;
}
