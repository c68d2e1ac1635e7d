/*
 * What the corpus programs (issue #31: exact counts on any io_uring program) share. Each program
 * knows what it did and says so on one JSON line per process:
 *
 *   {"program":"sqpoll","pid":123,"cqes":40,"other":0,"overflows":0,"enters":3,"notes":{…}}
 *
 *   cqes       CQEs of its own requests that the kernel posted to the CQ (io_uring_complete),
 *              multishot ones included, init failures included
 *   other      request-less CQEs posted to the rings it created (resource tags, MSG_RING
 *              deliveries, zero-copy notifications)
 *   overflows  its rings' CQEs that went to the overflow list instead of the CQ
 *   enters     its io_uring_enter calls, counted by a perf counter on the syscall's tracepoint
 *              (left out when the counter cannot be opened)
 *   after_exit how many of those CQEs and overflows the kernel posts after the process exited
 *              (when its rings are torn down, in a kworker), left out when none
 * A figure the program cannot know is left out. It exits 0 only when every result was the one
 * expected (`failures`, from workload.h). test/helpers/corpus.ts runs them.
 *
 * Included after _GNU_SOURCE and the system headers (workload.h's list, plus <unistd.h>).
 */
#include <linux/perf_event.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include "../workload.h"

/* Counts of one process, as it goes. overflows < 0: unknown (left out). */
struct tally {
  long cqes, other, overflows, after_exit;
  int enters_fd;
  char notes[1024];
};

/*
 * A counter of this task's io_uring_enter calls (and, with `inherit`, of the threads it starts
 * after this call). Not close-on-exec: a child that execs keeps counting into it (fork-exec).
 * Returns -1 when perf or tracefs is unavailable.
 */
static inline int enters_open(int inherit) {
  static const char *ids[] = {
      "/sys/kernel/tracing/events/syscalls/sys_enter_io_uring_enter/id",
      "/sys/kernel/debug/tracing/events/syscalls/sys_enter_io_uring_enter/id",
  };
  for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
    FILE *f = fopen(ids[i], "r");
    if (!f) continue;
    unsigned long long id;
    int ok = fscanf(f, "%llu", &id) == 1;
    fclose(f);
    if (!ok) continue;
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.type = PERF_TYPE_TRACEPOINT;
    a.size = sizeof a;
    a.config = id;
    a.inherit = inherit ? 1 : 0;
    return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
  }
  return -1;
}

static inline long long enters_read(int fd) {
  unsigned long long v;
  if (fd < 0 || read(fd, &v, sizeof v) != (ssize_t)sizeof v) return -1;
  return (long long)v;
}

static inline void tally_init(struct tally *t, int inherit) {
  memset(t, 0, sizeof *t);
  t->enters_fd = enters_open(inherit);
}

/* Adds `"key":value` to the notes (a JSON object's members, comma-separated). */
__attribute__((format(printf, 3, 4))) static inline void note(struct tally *t, const char *key,
                                                               const char *fmt, ...) {
  size_t n = strlen(t->notes);
  if (n + 1 >= sizeof t->notes) return;
  n += snprintf(t->notes + n, sizeof t->notes - n, "%s\"%s\":", n ? "," : "", key);
  if (n >= sizeof t->notes) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t->notes + n, sizeof t->notes - n, fmt, ap);
  va_end(ap);
}

/* The process's JSON line (stdout, flushed: a forked child writes its own). */
static inline void report(const char *program, const struct tally *t) {
  long long enters = enters_read(t->enters_fd);
  printf("{\"program\":\"%s\",\"pid\":%d,\"cqes\":%ld,\"other\":%ld", program, (int)getpid(),
         t->cqes, t->other);
  if (t->overflows >= 0) printf(",\"overflows\":%ld", t->overflows);
  if (enters >= 0) printf(",\"enters\":%lld", enters);
  if (t->after_exit > 0) printf(",\"after_exit\":%ld", t->after_exit);
  if (t->notes[0]) printf(",\"notes\":{%s}", t->notes);
  if (failures) printf(",\"failures\":%d", failures);
  printf("}\n");
  fflush(stdout);
}

/* A CQE's fields, copied out of the ring. */
struct cqe {
  unsigned long long user_data;
  int res;
  unsigned flags;
};

/* Waits for the next CQE (entering the kernel as liburing sees fit); copies it, marks it seen. */
static inline struct cqe next_cqe(struct io_uring *r) {
  struct io_uring_cqe *cqe;
  int ret = io_uring_wait_cqe(r, &cqe);
  if (ret < 0) die("io_uring_wait_cqe", ret);
  struct cqe c = {cqe->user_data, cqe->res, cqe->flags};
  io_uring_cqe_seen(r, cqe);
  return c;
}

/* The next CQE, which must carry `ud` and `res` (a failure otherwise); counted as a request CQE. */
static inline struct cqe expect_cqe(struct io_uring *r, struct tally *t, const char *what,
                                    unsigned long long ud, int res) {
  struct cqe c = next_cqe(r);
  t->cqes++;
  if (c.user_data != ud) {
    fprintf(stderr, "%s: %s: CQE for user_data %llu, expected %llu\n",
            program_invocation_short_name, what, (unsigned long long)c.user_data, ud);
    failures++;
  }
  expect(what, c.res, res);
  return c;
}

/* Queues a NOP with user data `ud`. */
static inline void queue_nop(struct io_uring *r, unsigned long long ud) {
  struct io_uring_sqe *sqe = sqe_of(r);
  io_uring_prep_nop(sqe);
  io_uring_sqe_set_data64(sqe, ud);
}

/* `n` NOPs submitted at once and their CQEs reaped in any order; user data from `ud0` on. */
static inline void nops(struct io_uring *r, struct tally *t, unsigned n, unsigned long long ud0) {
  for (unsigned i = 0; i < n; i++) queue_nop(r, ud0 + i);
  int ret = io_uring_submit(r);
  if (ret != (int)n) die("io_uring_submit(nops)", ret < 0 ? ret : EIO);
  unsigned long long seen = 0;
  for (unsigned i = 0; i < n; i++) {
    struct cqe c = next_cqe(r);
    t->cqes++;
    if (c.user_data < ud0 || c.user_data >= ud0 + n || c.res != 0) {
      fprintf(stderr, "%s: NOP: unexpected CQE user_data %llu res %d\n",
              program_invocation_short_name, (unsigned long long)c.user_data, c.res);
      failures++;
    } else if (n <= 64) {
      seen |= 1ULL << (c.user_data - ud0);
    }
  }
  if (n <= 64 && seen != (n == 64 ? ~0ULL : (1ULL << n) - 1)) {
    fprintf(stderr, "%s: NOP: a CQE came twice\n", program_invocation_short_name);
    failures++;
  }
}

/* Exits 0 when nothing failed, 1 otherwise (after the report). */
static inline int finish(const char *program, struct tally *t) {
  report(program, t);
  return failures ? 1 : 0;
}
