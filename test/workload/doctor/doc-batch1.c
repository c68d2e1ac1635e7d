/*
 * Single-operation submits at a high rate: one NOP per io_uring_enter call (submit one, wait for
 * it), as fast as it goes, for SECONDS. Every operation costs a system call of its own; the
 * doctor's `small_batches`.
 *
 *   doc-batch1 SECONDS
 *
 * Reports {"nops":N,"calls":N,"secs":…}: one call submitted and waited for each NOP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "doctor.h"

int main(int argc, char **argv) {
  double secs = argc == 2 ? atof(argv[1]) : 0;
  if (!(secs > 0)) arg_count(argc, argv, 0, "SECONDS");
  struct io_uring ring;
  int ret = io_uring_queue_init(8, &ring, 0);
  if (ret < 0) die("io_uring_queue_init", ret);
  await_go();
  long nops = 0;
  double t0 = seconds_now();
  while (seconds_now() - t0 < secs) {
    for (int i = 0; i < 256; i++) {
      io_uring_prep_nop(sqe_of(&ring));
      expect("NOP", complete_one(&ring, NULL), 0);
      nops++;
    }
  }
  double took = seconds_now() - t0;
  io_uring_queue_exit(&ring);
  report("\"nops\":%ld,\"calls\":%ld,\"secs\":%.3f", nops, nops, took);
  return failures ? 1 : 0;
}
