/*
 * An undersized CQ that is not reaped in time: a ring of 16 SQ and 16 CQ entries
 * (IORING_SETUP_CQSIZE), into which 64 NOPs are submitted (4 io_uring_enter calls of 16)
 * before any is reaped. 16 CQEs fit; the kernel puts the other 48 on its overflow list
 * (io_uring_cqe_overflow), and they reach the CQ as the application makes room. The doctor's
 * `cq_overflow`.
 *
 *   doc-overflow SECONDS
 *
 * Goes round (submit 64, reap 64) for SECONDS, and reports
 * {"nops":64*ROUNDS,"overflows":48*ROUNDS,"cq_entries":16,"rounds":ROUNDS} (every NOP reaped,
 * none dropped: the kernel's dropped counter stays 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "doctor.h"

#define CQ 16
#define PER_ROUND 64

int main(int argc, char **argv) {
  double secs = argc == 2 ? atof(argv[1]) : 0;
  if (!(secs > 0)) arg_count(argc, argv, 0, "SECONDS");
  struct io_uring ring;
  cqsize_ring(&ring, CQ, CQ);
  await_go();
  int ret;
  long rounds = 0;
  for (double t0 = seconds_now(); seconds_now() - t0 < secs; rounds++) {
    for (int b = 0; b < PER_ROUND / CQ; b++) {
      for (int i = 0; i < CQ; i++) io_uring_prep_nop(sqe_of(&ring));
      ret = io_uring_submit(&ring);
      if (ret != CQ) die("io_uring_submit", ret < 0 ? ret : EIO);
    }
    reap_n(&ring, PER_ROUND, NULL, NULL);
  }
  expect("dropped CQEs", (int)*ring.cq.koverflow, 0);
  io_uring_queue_exit(&ring);
  report("\"nops\":%ld,\"overflows\":%ld,\"cq_entries\":%d,\"rounds\":%ld", PER_ROUND * rounds,
         (PER_ROUND - CQ) * rounds, CQ, rounds);
  return failures ? 1 : 0;
}
