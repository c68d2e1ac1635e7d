/*
 * IOPOLL: completions are not signalled but polled for, by io_uring_enter(GETEVENTS) in this
 * process. Reads of a file opened O_DIRECT (in the directory given) are polled where the device
 * supports it; where it does not (6.18 on a virtio disk without poll queues, ext4), the kernel
 * fails them with -EOPNOTSUPP: a CQE each all the same, counted like any other. A read of the
 * same file without O_DIRECT cannot be polled either (-EOPNOTSUPP); a NOP completes. What
 * happened is in the notes. (liburing waits on such a ring by entering the kernel again and
 * again: hundreds of io_uring_enter calls for these 10 CQEs, each one counted.)
 *
 *   iopoll DIR
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "corpus.h"

#define BS 4096
#define N 8

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: iopoll DIR\n");
    return 2;
  }
  struct tally t;
  tally_init(&t, 0);
  char path[4096];
  snprintf(path, sizeof path, "%s/iopoll-%d.dat", argv[1], (int)getpid());
  int wfd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (wfd < 0) die("open for writing", errno);
  static char block[BS];
  memset(block, 'i', sizeof block);
  for (int i = 0; i < N; i++)
    if (write(wfd, block, BS) != BS) die("write", errno);
  if (fsync(wfd) < 0) die("fsync", errno);
  close(wfd);

  struct io_uring r;
  int ret = io_uring_queue_init(16, &r, IORING_SETUP_IOPOLL);
  if (ret < 0) die("io_uring_queue_init(IOPOLL)", ret);
  int dfd = open(path, O_RDONLY | O_DIRECT);
  int direct = dfd >= 0;
  if (!direct) dfd = open(path, O_RDONLY);  // a file system without O_DIRECT (tmpfs before 6.6)
  if (dfd < 0) die("open", errno);
  int bfd = open(path, O_RDONLY);
  if (bfd < 0) die("open", errno);
  void *buf;
  if (posix_memalign(&buf, BS, (size_t)BS * N)) die("posix_memalign", ENOMEM);

  for (int i = 0; i < N; i++) {
    struct io_uring_sqe *sqe = sqe_of(&r);
    io_uring_prep_read(sqe, dfd, (char *)buf + (size_t)i * BS, BS, (unsigned long long)i * BS);
    io_uring_sqe_set_data64(sqe, 100 + i);
  }
  ret = io_uring_submit(&r);
  if (ret != N) die("io_uring_submit(direct reads)", ret < 0 ? ret : EIO);
  int ok = 0, refused = 0;
  for (int i = 0; i < N; i++) {
    struct cqe c = next_cqe(&r);
    t.cqes++;
    if (c.res == BS)
      ok++;
    else if (c.res == -EOPNOTSUPP)
      refused++;
    else
      expect("O_DIRECT read", c.res, BS);
  }
  note(&t, "o_direct", "%s", direct ? "true" : "false");
  note(&t, "direct_reads_done", "%d", ok);
  note(&t, "direct_reads_eopnotsupp", "%d", refused);

  struct io_uring_sqe *sqe = sqe_of(&r);
  io_uring_prep_read(sqe, bfd, buf, BS, 0);
  io_uring_sqe_set_data64(sqe, 200);
  ret = io_uring_submit(&r);
  if (ret != 1) die("io_uring_submit(buffered read)", ret < 0 ? ret : EIO);
  struct cqe c = next_cqe(&r);
  t.cqes++;
  note(&t, "buffered_read_res", "%d", c.res);
  if (c.res >= 0) expect("buffered read on an IOPOLL ring", c.res, -EOPNOTSUPP);

  // a NOP on an IOPOLL ring
  queue_nop(&r, 300);
  ret = io_uring_submit(&r);
  if (ret != 1) die("io_uring_submit(nop)", ret < 0 ? ret : EIO);
  c = next_cqe(&r);
  t.cqes++;
  note(&t, "nop_res", "%d", c.res);
  t.overflows = 0;
  close(dfd);
  close(bfd);
  unlink(path);
  free(buf);
  io_uring_queue_exit(&r);
  return finish("iopoll", &t);
}
