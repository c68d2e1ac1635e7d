/*
 * A NOP storm with a known count: submits exactly COUNT IORING_OP_NOP requests through one ring,
 * in batches of BATCH (one io_uring_enter per batch, which waits for the whole batch), as fast
 * as the machine allows. The tests trace it to check that every figure stays exact when the
 * event stream cannot keep up.
 *
 *   nop-storm COUNT [BATCH [SLOW]]   (BATCH 1..256, default 32)
 *
 * With SLOW > 0, slow operations before the fast: first SLOW 1 ms IORING_OP_TIMEOUTs, one after
 * another, each submitted alone and waited for (its own io_uring_enter; its result is -ETIME),
 * then the NOPs. The latency tests check that a sampler, which takes every one of the slow (they
 * come at a low rate) and one in many of the fast, still weighs them by their share.
 *
 * Prints "pid N", waits for a line on stdin (so that the tracer attaches first), runs, and
 * prints one JSON line: {"nops":…,"calls":…,"secs":…,"timeouts":…}. Exits 1 with a message on any failure.
 */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: nop-storm COUNT [BATCH]\n");
    return 1;
  }
  unsigned long long count = strtoull(argv[1], NULL, 10);
  unsigned batch = argc > 2 ? (unsigned)atoi(argv[2]) : 32;
  unsigned long long slow = argc > 3 ? strtoull(argv[3], NULL, 10) : 0;
  if (count == 0 || batch == 0 || batch > 256) {
    fprintf(stderr, "nop-storm: COUNT must be > 0 and BATCH 1..256\n");
    return 1;
  }
  struct io_uring ring;
  int r = io_uring_queue_init(256, &ring, 0);
  if (r < 0) {
    fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-r));
    return 1;
  }
  printf("pid %d\n", (int)getpid());
  fflush(stdout);
  char line[16];
  if (!fgets(line, sizeof line, stdin)) {
    fprintf(stderr, "nop-storm: no go line on stdin\n");
    return 1;
  }
  unsigned long long done = 0, calls = 0, timeouts = 0;
  double t0 = seconds();
  for (; timeouts < slow; timeouts++) {
    struct __kernel_timespec ts = {.tv_sec = 0, .tv_nsec = 1000000};
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    io_uring_prep_timeout(sqe, &ts, 0, 0);
    struct io_uring_cqe *cqe;
    r = io_uring_submit_and_wait(&ring, 1);
    calls++;
    if (r >= 0) r = io_uring_wait_cqe(&ring, &cqe);
    if (r < 0) {
      fprintf(stderr, "timeout: %s\n", strerror(-r));
      return 1;
    }
    if (cqe->res != -ETIME) {
      fprintf(stderr, "timeout: result %d, not -ETIME\n", cqe->res);
      return 1;
    }
    io_uring_cqe_seen(&ring, cqe);
  }
  while (done < count) {
    unsigned n = count - done < batch ? (unsigned)(count - done) : batch;
    for (unsigned i = 0; i < n; i++) {
      struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
      io_uring_prep_nop(sqe);
      io_uring_sqe_set_data64(sqe, done + i);
    }
    r = io_uring_submit_and_wait(&ring, n);
    calls++;
    if (r < 0) {
      fprintf(stderr, "io_uring_submit_and_wait: %s\n", strerror(-r));
      return 1;
    }
    unsigned seen = 0;
    while (seen < n) {
      struct io_uring_cqe *cqe;
      r = io_uring_wait_cqe(&ring, &cqe);
      if (r < 0) {
        fprintf(stderr, "io_uring_wait_cqe: %s\n", strerror(-r));
        return 1;
      }
      if (cqe->res < 0) {
        fprintf(stderr, "NOP failed: %s\n", strerror(-cqe->res));
        return 1;
      }
      io_uring_cqe_seen(&ring, cqe);
      seen++;
    }
    done += n;
  }
  printf("{\"nops\":%llu,\"calls\":%llu,\"secs\":%.3f,\"timeouts\":%llu}\n", done, calls,
         seconds() - t0, timeouts);
  io_uring_queue_exit(&ring);
  return 0;
}
