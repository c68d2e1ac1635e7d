/*
 * A busy SQPOLL poller: one SQPOLL ring whose kernel thread (iou-sqp-<pid>) never goes idle, as
 * in a server that keeps its ring fed. The ring's sq_thread_idle is 10 s and a NOP is queued
 * every millisecond (fewer when the poller falls behind), so the poller spins the whole time:
 * about one CPU's worth. The tests trace
 * it to check the SQPOLL CPU iouringtop reports at the end of a capture.
 *
 *   sqpoll-spin SECONDS
 *
 * Prints "pid N", waits for a line on stdin (so that the tracer attaches first), prints "spinning",
 * queues NOPs for SECONDS, reaps them, prints one JSON line {"nops":…,"secs":…} and exits (the
 * ring, and its poller, go with it). Exits 1 with a message on any failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "workload.h"

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 2 || !(atof(argv[1]) > 0)) {
    fprintf(stderr, "usage: sqpoll-spin SECONDS\n");
    return 1;
  }
  double secs = atof(argv[1]);
  struct io_uring ring;
  sqpoll_ring(&ring, 256, 10000);
  printf("pid %d\n", getpid());
  fflush(stdout);
  char line[16];
  if (!fgets(line, sizeof line, stdin)) die("waiting for go", EPIPE);
  printf("spinning\n");
  fflush(stdout);

  unsigned long long nops = 0;
  unsigned inflight = 0;
  double t0 = seconds();
  const struct timespec pause = {0, 1000000};
  while (seconds() - t0 < secs) {
    /* a full SQ (the poller was kept off its CPU a while) skips a NOP rather than waits */
    struct io_uring_sqe *sqe = inflight < 128 ? io_uring_get_sqe(&ring) : NULL;
    if (sqe) {
      io_uring_prep_nop(sqe);
      int ret = io_uring_submit(&ring); /* with SQPOLL: the tail moves, the poller takes it */
      if (ret < 0) die("io_uring_submit", ret);
      inflight++;
    }
    struct io_uring_cqe *cqe;
    while (io_uring_peek_cqe(&ring, &cqe) == 0) {
      if (cqe->res < 0) die("NOP", cqe->res);
      io_uring_cqe_seen(&ring, cqe);
      inflight--;
      nops++;
    }
    nanosleep(&pause, NULL);
  }
  while (inflight > 0) {
    struct io_uring_cqe *cqe;
    int ret = io_uring_wait_cqe(&ring, &cqe);
    if (ret < 0) die("io_uring_wait_cqe", ret);
    io_uring_cqe_seen(&ring, cqe);
    inflight--;
    nops++;
  }
  io_uring_queue_exit(&ring);
  printf("{\"nops\":%llu,\"secs\":%.3f}\n", nops, seconds() - t0);
  fflush(stdout);
  return 0;
}
