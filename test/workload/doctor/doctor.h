/*
 * What the doctor's workloads share (test/workload/doctor/: one program per pathology that
 * iouringtop's doctor names, issue #27). Each one:
 *   - prints "pid N" and waits for a line on stdin, so that the tracer is attached first;
 *   - does its operations (a known number of each, or for a given time, counting them);
 *   - prints one JSON line of what it did, the figures the doctor's evidence must match:
 *       {"program":"doc-punts","pid":123,"writes":2000,…}
 *   - exits 0, or 1 with a message on any failure (workload.h: die, expect, failures).
 * Included after _GNU_SOURCE and the system headers (workload.h's list, plus <unistd.h>).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <time.h>
#include "../workload.h"

/* "pid N", then a line from stdin (the go). */
static inline void await_go(void) {
  printf("pid %d\n", getpid());
  fflush(stdout);
  char line[16];
  if (!fgets(line, sizeof line, stdin)) die("waiting for go", EPIPE);
}

/* The closing JSON line: {"program":NAME,"pid":N, then `fmt` (pairs "key":value …)}. */
__attribute__((format(printf, 1, 2))) static inline void report(const char *fmt, ...) {
  va_list ap;
  printf("{\"program\":\"%s\",\"pid\":%d,", program_invocation_short_name, getpid());
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("}\n");
  fflush(stdout);
}

static inline double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reaps exactly `n` CQEs; calls `each(res, flags, ctx)` on each when given. */
static inline void reap_n(struct io_uring *r, unsigned n, void (*each)(int, unsigned, void *),
                          void *ctx) {
  for (unsigned i = 0; i < n; i++) {
    struct io_uring_cqe *cqe;
    int ret = io_uring_wait_cqe(r, &cqe);
    if (ret < 0) die("io_uring_wait_cqe", ret);
    if (each) each(cqe->res, cqe->flags, ctx);
    io_uring_cqe_seen(r, cqe);
  }
}

/* A positive count from argv, or a usage message and exit 1. */
static inline long arg_count(int argc, char **argv, int i, const char *usage) {
  long v = i < argc ? atol(argv[i]) : 0;
  if (v <= 0) {
    fprintf(stderr, "usage: %s %s\n", program_invocation_short_name, usage);
    exit(1);
  }
  return v;
}

/* Prepares one SQE of a batch (the i-th of the whole run). */
typedef void (*prep_fn)(struct io_uring_sqe *sqe, long i, void *ctx);
/* Checks one CQE's result and flags. */
typedef void (*cqe_fn)(int res, unsigned flags, void *ctx);

/*
 * `total` requests, `qd` at a time: each batch prepared by `prep`, submitted with one
 * io_uring_submit, and reaped whole (`each` on every CQE) before the next.
 */
static inline void run_batches(struct io_uring *r, long total, unsigned qd, prep_fn prep,
                               cqe_fn each, void *ctx) {
  for (long done = 0; done < total;) {
    unsigned n = total - done < qd ? (unsigned)(total - done) : qd;
    for (unsigned i = 0; i < n; i++) prep(sqe_of(r), done + i, ctx);
    int ret = io_uring_submit(r);
    if (ret != (int)n) die("io_uring_submit", ret < 0 ? ret : EIO);
    reap_n(r, n, each, ctx);
    done += n;
  }
}

/* A ring of `sq` SQ entries and exactly `cq` CQ entries (IORING_SETUP_CQSIZE). */
static inline void cqsize_ring(struct io_uring *r, unsigned sq, unsigned cq) {
  struct io_uring_params p = {.flags = IORING_SETUP_CQSIZE, .cq_entries = cq};
  int ret = io_uring_queue_init_params(sq, r, &p);
  if (ret < 0 || p.cq_entries != cq) die("io_uring_queue_init_params(CQSIZE)", ret < 0 ? ret : EINVAL);
}

/* A scratch file DIR/NAME, made empty, and a buffer of `len` bytes of `fill` for its I/O. */
struct scratch {
  int fd;
  char *buf;
  char path[4096];
};

static inline void scratch_open(struct scratch *s, const char *dir, const char *name, size_t len,
                                char fill) {
  snprintf(s->path, sizeof s->path, "%s/%s", dir, name);
  s->fd = open(s->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (s->fd < 0) die(s->path, errno);
  s->buf = malloc(len);
  if (!s->buf) die("malloc", ENOMEM);
  memset(s->buf, fill, len);
}

static inline void scratch_close(struct scratch *s) {
  close(s->fd);
  unlink(s->path);
  free(s->buf);
}
