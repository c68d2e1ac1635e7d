/*
 * Process churn with a known count: CHILDREN short-lived processes, each making its own ring,
 * submitting NOPS NOPs in one io_uring_enter that waits for them all, and exiting (a build, a CGI
 * server). At most PARALLEL run at once. The tests trace it to check that counts stay exact
 * whatever the number of processes that come and go.
 *
 *   churn CHILDREN [NOPS] [PARALLEL]      (NOPS 1..32, default 3; PARALLEL default 4)
 *
 * Prints "pid N", waits for a line on stdin (so that the tracer attaches first), runs, and prints
 * one JSON line: {"children":…,"nops":…,"calls":…,"secs":…}. Exits 1 with a message on any
 * failure (a child that failed, a NOP whose result was not 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "workload.h"

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One child's life: a ring, NOPS NOPs in one call, their completions checked. */
static int child(unsigned nops) {
  struct io_uring ring;
  int r = io_uring_queue_init(32, &ring, 0);
  if (r < 0) die("io_uring_queue_init", r);
  for (unsigned i = 0; i < nops; i++) io_uring_prep_nop(sqe_of(&ring));
  r = io_uring_submit_and_wait(&ring, nops);
  if (r != (int)nops) die("io_uring_submit_and_wait", r < 0 ? r : EIO);
  for (unsigned i = 0; i < nops; i++) {
    struct io_uring_cqe *cqe;
    r = io_uring_wait_cqe(&ring, &cqe);
    if (r < 0) die("io_uring_wait_cqe", r);
    if (cqe->res != 0) die("NOP result", cqe->res);
    io_uring_cqe_seen(&ring, cqe);
  }
  io_uring_queue_exit(&ring);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: churn CHILDREN [NOPS] [PARALLEL]\n");
    return 1;
  }
  unsigned long children = strtoul(argv[1], NULL, 10);
  unsigned nops = argc > 2 ? (unsigned)atoi(argv[2]) : 3;
  unsigned parallel = argc > 3 ? (unsigned)atoi(argv[3]) : 4;
  if (children == 0 || nops == 0 || nops > 32 || parallel == 0) {
    fprintf(stderr, "churn: CHILDREN > 0, NOPS 1..32, PARALLEL > 0\n");
    return 1;
  }
  printf("pid %d\n", getpid());
  fflush(stdout);
  char line[16];
  if (!fgets(line, sizeof line, stdin)) return 1;
  double t0 = seconds();
  unsigned long started = 0, running = 0, failed = 0;
  while (started < children || running > 0) {
    while (running < parallel && started < children) {
      pid_t p = fork();
      if (p < 0) die("fork", errno);
      if (p == 0) _exit(child(nops));
      started++;
      running++;
    }
    int status;
    if (wait(&status) < 0) die("wait", errno);
    running--;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
  }
  double t1 = seconds();
  if (failed) {
    fprintf(stderr, "churn: %lu children failed\n", failed);
    return 1;
  }
  printf("{\"children\":%lu,\"nops\":%lu,\"calls\":%lu,\"secs\":%.3f}\n", children,
         children * nops, children, t1 - t0);
  return 0;
}
