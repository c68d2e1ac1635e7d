/*
 * Short reads: READs of 4096 bytes at offset 0 of a file of 1000 bytes. Each completes with
 * 1000 (0 <= result < the length asked): the doctor's `short_io`.
 *
 *   doc-short DIR READS
 *
 * Reports {"reads":N,"short":N,"got":1000,"asked":4096}.
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

#define SIZE 1000
#define ASK 4096
#define QD 8

static void prep(struct io_uring_sqe *sqe, long i, void *ctx) {
  (void)i;
  struct scratch *f = ctx;
  io_uring_prep_read(sqe, f->fd, f->buf, ASK, 0);
}

static void check(int res, unsigned flags, void *ctx) {
  (void)flags;
  (void)ctx;
  expect("READ", res, SIZE);
}

int main(int argc, char **argv) {
  if (argc < 2) arg_count(argc, argv, 0, "DIR READS");
  long reads = arg_count(argc, argv, 2, "DIR READS");
  struct scratch f;
  scratch_open(&f, argv[1], "short.dat", ASK, 's');
  if (write(f.fd, f.buf, SIZE) != SIZE) die("write", errno);
  struct io_uring ring;
  if (io_uring_queue_init(QD, &ring, 0) < 0) die("io_uring_queue_init", EINVAL);
  await_go();
  run_batches(&ring, reads, QD, prep, check, &f);
  io_uring_queue_exit(&ring);
  scratch_close(&f);
  report("\"reads\":%ld,\"short\":%ld,\"got\":%d,\"asked\":%d", reads, reads, SIZE, ASK);
  return failures ? 1 : 0;
}
