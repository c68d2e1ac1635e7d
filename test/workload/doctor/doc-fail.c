/*
 * Failures with an errno: READs of a descriptor that is not open. Each completes with -EBADF:
 * the doctor's `failures` (EBADF, READ).
 *
 *   doc-fail READS
 *
 * Reports {"reads":N,"ebadf":N}.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include "doctor.h"

#define QD 8
#define NOT_OPEN 1000

static char buf[512];

static void prep(struct io_uring_sqe *sqe, long i, void *ctx) {
  (void)i;
  (void)ctx;
  io_uring_prep_read(sqe, NOT_OPEN, buf, sizeof buf, 0);
}

static void check(int res, unsigned flags, void *ctx) {
  (void)flags;
  (void)ctx;
  expect("READ of a closed fd", res, -EBADF);
}

int main(int argc, char **argv) {
  long reads = arg_count(argc, argv, 1, "READS");
  if (fcntl(NOT_OPEN, F_GETFD) != -1) die("fd 1000 is open", EEXIST);
  struct io_uring ring;
  int ret = io_uring_queue_init(QD, &ring, 0);
  if (ret < 0) die("io_uring_queue_init", ret);
  await_go();
  run_batches(&ring, reads, QD, prep, check, NULL);
  io_uring_queue_exit(&ring);
  report("\"reads\":%ld,\"ebadf\":%ld", reads, reads);
  return failures ? 1 : 0;
}
