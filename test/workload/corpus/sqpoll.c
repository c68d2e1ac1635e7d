/*
 * SQPOLL: the kernel's iou-sqp-<pid> thread submits (no io_uring_enter for it), and reads forced
 * async (IOSQE_ASYNC) complete in iou-wrk-<pid> threads: all threads of this process. The SQ
 * thread is left to fall idle (10 ms) once, so that liburing must wake it with an
 * io_uring_enter(SQ_WAKEUP) counted like any other call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "corpus.h"

static void reads(struct io_uring *r, struct tally *t, int fd, unsigned n, int async,
                  unsigned long long ud0) {
  static char buf[16][64];
  for (unsigned i = 0; i < n; i++) {
    struct io_uring_sqe *sqe = sqe_of(r);
    io_uring_prep_read(sqe, fd, buf[i % 16], sizeof buf[0], 0);
    if (async) sqe->flags |= IOSQE_ASYNC;
    io_uring_sqe_set_data64(sqe, ud0 + i);
  }
  int ret = io_uring_submit(r);
  if (ret != (int)n) die("io_uring_submit(reads)", ret < 0 ? ret : EIO);
  for (unsigned i = 0; i < n; i++) {
    struct cqe c = next_cqe(r);
    t->cqes++;
    expect("read", c.res, 64);
  }
}

int main(void) {
  struct tally t;
  tally_init(&t, 1);  // the SQ thread and the io-wq workers are threads of this process
  struct io_uring r;
  sqpoll_ring(&r, 32, 10);
  int fd = open("/proc/self/exe", O_RDONLY);
  if (fd < 0) die("open", errno);
  nops(&r, &t, 16, 100);
  reads(&r, &t, fd, 8, 0, 200);
  reads(&r, &t, fd, 8, 1, 300);
  // let the SQ thread fall idle: the next submit must wake it
  struct timespec ts = {0, 30 * 1000 * 1000};
  nanosleep(&ts, NULL);
  int idle = (*r.sq.kflags & IORING_SQ_NEED_WAKEUP) != 0;
  note(&t, "sq_thread_slept", "%s", idle ? "true" : "false");
  nops(&r, &t, 8, 400);
  t.overflows = 0;  // at most 16 in flight, CQ of 64
  close(fd);
  io_uring_queue_exit(&r);
  return finish("sqpoll", &t);
}
