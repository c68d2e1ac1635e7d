/*
 * What the liburing workloads share: dying with a message that names the program, an SQE or
 * death, one completion waited for, a result checked against the one expected (a mismatch is
 * reported and counted in `failures`, the exit status's business). Included after _GNU_SOURCE
 * and <errno.h>, <liburing.h>, <stdio.h>, <stdlib.h>, <string.h>.
 */
__attribute__((unused)) static int failures;

static inline void die(const char *what, int err) {
  fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
          strerror(err < 0 ? -err : err));
  exit(1);
}

static inline struct io_uring_sqe *sqe_of(struct io_uring *r) {
  struct io_uring_sqe *sqe = io_uring_get_sqe(r);
  if (!sqe) die("no sqe", EBUSY);
  return sqe;
}

/* Submits what is queued and waits for exactly one completion; returns its result. */
static inline int complete_one(struct io_uring *r, unsigned *cflags) {
  struct io_uring_cqe *cqe;
  int ret = io_uring_submit_and_wait(r, 1);
  if (ret < 0) die("io_uring_submit_and_wait", ret);
  ret = io_uring_wait_cqe(r, &cqe);
  if (ret < 0) die("io_uring_wait_cqe", ret);
  int res = cqe->res;
  if (cflags) *cflags = cqe->flags;
  io_uring_cqe_seen(r, cqe);
  return res;
}

static inline void expect(const char *op, int res, int want) {
  if (res != want) {
    fprintf(stderr, "%s: %s returned %d, expected %d\n", program_invocation_short_name, op, res,
            want);
    failures++;
  }
}

/* An SQPOLL ring: submissions run in the kernel's iou-sqp thread, idle after `idle_ms`. */
static inline void sqpoll_ring(struct io_uring *r, unsigned entries, unsigned idle_ms) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  p.flags = IORING_SETUP_SQPOLL;
  p.sq_thread_idle = idle_ms;
  int ret = io_uring_queue_init_params(entries, r, &p);
  if (ret < 0) die("io_uring_queue_init_params(SQPOLL)", ret);
}
