/*
 * Many io-wq workers: SPLICEs from empty pipes to /dev/null. io_uring never splices without
 * blocking: every SPLICE goes to an io-wq worker, where it blocks until its pipe has data, and
 * on a pipe it is unbounded work, so io-wq starts a worker for each one that blocks (up to
 * RLIMIT_NPROC, or the cap set by IORING_REGISTER_IOWQ_MAX_WORKERS): `PIPES` workers at once,
 * the doctor's `iowq_workers`. (READs of the same pipes, even with IOSQE_ASYNC, would arm a poll
 * each and hold no thread: measured on 6.18.)
 *
 *   doc-iowq PIPES ROUNDS
 *
 * Each round: PIPES splices submitted, a pause (200 ms) with all of them blocked in workers, one
 * byte written to each pipe, PIPES completions reaped. Reports
 * {"splices":PIPES*ROUNDS,"pipes":…}.
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

#define MAX_PIPES 256

static void check(int res, unsigned flags, void *ctx) {
  (void)flags;
  (void)ctx;
  expect("SPLICE", res, 1);
}

int main(int argc, char **argv) {
  long pipes = arg_count(argc, argv, 1, "PIPES ROUNDS");
  long rounds = arg_count(argc, argv, 2, "PIPES ROUNDS");
  if (pipes > MAX_PIPES) die("PIPES over 256", EINVAL);
  static int fds[MAX_PIPES][2];
  int null = open("/dev/null", O_WRONLY);
  if (null < 0) die("/dev/null", errno);
  for (long i = 0; i < pipes; i++)
    if (pipe(fds[i]) < 0) die("pipe", errno);
  struct io_uring ring;
  int ret = io_uring_queue_init(MAX_PIPES, &ring, 0);
  if (ret < 0) die("io_uring_queue_init", ret);
  await_go();
  const struct timespec pause = {0, 200000000};
  for (long r = 0; r < rounds; r++) {
    for (long i = 0; i < pipes; i++) {
      io_uring_prep_splice(sqe_of(&ring), fds[i][0], -1, null, -1, 1, 0);
    }
    ret = io_uring_submit(&ring);
    if (ret != (int)pipes) die("io_uring_submit", ret < 0 ? ret : EIO);
    nanosleep(&pause, NULL);
    for (long i = 0; i < pipes; i++)
      if (write(fds[i][1], "x", 1) != 1) die("write", errno);
    reap_n(&ring, (unsigned)pipes, check, NULL);
  }
  io_uring_queue_exit(&ring);
  report("\"splices\":%ld,\"pipes\":%ld", pipes * rounds, pipes);
  return failures ? 1 : 0;
}
