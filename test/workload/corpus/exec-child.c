/*
 * What fork-exec's child execs: a new command name under the same pid. Its own ring, NOPs and
 * reads; its line adds the CQEs its arguments say it had before the exec, and reads its enter
 * counter from the fd it was given (opened before the exec, so it counts the whole child).
 *
 *   exec-child CQES_BEFORE ENTERS_FD
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

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: exec-child CQES_BEFORE ENTERS_FD\n");
    return 2;
  }
  struct tally t;
  memset(&t, 0, sizeof t);
  t.cqes = atol(argv[1]);
  t.enters_fd = atoi(argv[2]);
  struct io_uring r;
  int ret = io_uring_queue_init(16, &r, 0);
  if (ret < 0) die("io_uring_queue_init", ret);
  nops(&r, &t, 6, 100);
  int fd = open("/proc/self/exe", O_RDONLY);
  if (fd < 0) die("open", errno);
  static char buf[16];
  struct io_uring_sqe *sqe = sqe_of(&r);
  io_uring_prep_read(sqe, fd, buf, sizeof buf, 0);
  io_uring_sqe_set_data64(sqe, 200);
  ret = io_uring_submit(&r);
  if (ret != 1) die("io_uring_submit(read)", ret < 0 ? ret : EIO);
  expect_cqe(&r, &t, "read", 200, sizeof buf);
  close(fd);
  t.overflows = 0;
  io_uring_queue_exit(&r);
  return finish("exec-child", &t);
}
