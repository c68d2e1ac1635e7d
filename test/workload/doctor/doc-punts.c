/*
 * Buffered random writes: 4 KiB WRITEs at random aligned offsets of a fresh sparse file, opened
 * without O_DIRECT, 16 in flight. On a file system that cannot write a page-cache page without
 * blocking (block allocation, here on ext4), io_uring cannot complete the write inline
 * (IOCB_NOWAIT fails with -EAGAIN) and hands it to an io-wq worker: the doctor's `punts`.
 *
 *   doc-punts DIR WRITES
 *
 * Reports {"writes":N} (every one completed with 4096).
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

#define BS 4096
#define QD 16
#define FILE_BLOCKS 65536 /* 256 MiB, sparse */

static void prep(struct io_uring_sqe *sqe, long i, void *ctx) {
  (void)i;
  struct scratch *f = ctx;
  io_uring_prep_write(sqe, f->fd, f->buf, BS, (off_t)(random() % FILE_BLOCKS) * BS);
}

static void check(int res, unsigned flags, void *ctx) {
  (void)flags;
  (void)ctx;
  expect("WRITE", res, BS);
}

int main(int argc, char **argv) {
  if (argc < 2) arg_count(argc, argv, 0, "DIR WRITES");
  long writes = arg_count(argc, argv, 2, "DIR WRITES");
  struct scratch f;
  scratch_open(&f, argv[1], "punts.dat", BS, 'p');
  if (ftruncate(f.fd, (off_t)FILE_BLOCKS * BS) < 0) die("ftruncate", errno);
  struct io_uring ring;
  int ret = io_uring_queue_init(QD, &ring, 0);
  if (ret < 0) die("io_uring_queue_init", ret);
  srandom(27);
  await_go();
  run_batches(&ring, writes, QD, prep, check, &f);
  io_uring_queue_exit(&ring);
  scratch_close(&f);
  report("\"writes\":%ld", writes);
  return failures ? 1 : 0;
}
