/*
 * Big CQEs. A CQE32 ring (every CQE 32 bytes): NOPs and reads, reaped through liburing. Then,
 * where the kernel has it (6.18), a CQE_MIXED ring: 16- and 32-byte CQEs side by side (a NOP
 * with IORING_NOP_CQE32 posts a big one, flagged F_32), and a big CQE that would straddle the
 * ring's end is preceded by a padding entry flagged F_SKIP, which is no completion at all.
 * liburing 2.3 knows neither, so this program walks the mixed CQ itself. What the kernel did
 * is in the notes (mixed: "unsupported" when the setup flag is refused).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "corpus.h"

/* uapi values from the kernel's include/uapi/linux/io_uring.h (6.18), newer than liburing 2.3 */
#ifndef IORING_SETUP_CQE_MIXED
#define IORING_SETUP_CQE_MIXED (1U << 18)
#endif
#ifndef IORING_NOP_CQE32
#define IORING_NOP_CQE32 (1U << 5) /* in sqe->nop_flags, which is sqe->rw_flags */
#endif
#ifndef IORING_CQE_F_SKIP
#define IORING_CQE_F_SKIP (1U << 5)
#endif
#ifndef IORING_CQE_F_32
#define IORING_CQE_F_32 (1U << 15)
#endif

static void cqe32_ring(struct tally *t) {
  struct io_uring r;
  int ret = io_uring_queue_init(8, &r, IORING_SETUP_CQE32);
  if (ret < 0) die("io_uring_queue_init(CQE32)", ret);
  nops(&r, t, 8, 100);
  int fd = open("/proc/self/exe", O_RDONLY);
  if (fd < 0) die("open", errno);
  static char buf[4][32];
  for (int i = 0; i < 4; i++) {
    struct io_uring_sqe *sqe = sqe_of(&r);
    io_uring_prep_read(sqe, fd, buf[i], sizeof buf[i], 64 * i);
    io_uring_sqe_set_data64(sqe, 200 + i);
  }
  ret = io_uring_submit(&r);
  if (ret != 4) die("io_uring_submit(reads)", ret < 0 ? ret : EIO);
  for (int i = 0; i < 4; i++) {
    struct cqe c = next_cqe(&r);
    t->cqes++;
    expect("read", c.res, 32);
  }
  close(fd);
  io_uring_queue_exit(&r);
}

struct mixed {
  unsigned small, big, skips;
};

/* Reaps the mixed CQ until `want` completions (not counting padding) came. */
static void walk(struct io_uring *r, struct tally *t, struct mixed *m, unsigned want) {
  unsigned got = 0;
  while (got < want) {
    unsigned head = *r->cq.khead;
    unsigned tail = io_uring_smp_load_acquire(r->cq.ktail);
    if (head == tail) {
      int ret = io_uring_enter(r->ring_fd, 0, 1, IORING_ENTER_GETEVENTS, NULL);
      if (ret < 0) die("io_uring_enter(GETEVENTS)", ret);
      continue;
    }
    while (head != tail) {
      struct io_uring_cqe *cqe = &r->cq.cqes[head & *r->cq.kring_mask];
      if (cqe->flags & IORING_CQE_F_SKIP) {
        m->skips++;
        head++;
        continue;
      }
      expect("mixed NOP", cqe->res, 0);
      if (cqe->flags & IORING_CQE_F_32) {
        m->big++;
        head += 2;
      } else {
        m->small++;
        head++;
      }
      got++;
      t->cqes++;
    }
    io_uring_smp_store_release(r->cq.khead, head);
  }
}

static void nop_sized(struct io_uring *r, int big, unsigned long long ud) {
  struct io_uring_sqe *sqe = sqe_of(r);
  io_uring_prep_nop(sqe);
  if (big) sqe->rw_flags = IORING_NOP_CQE32;
  io_uring_sqe_set_data64(sqe, ud);
}

static void mixed_ring(struct tally *t) {
  struct io_uring r;
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  p.flags = IORING_SETUP_CQE_MIXED;
  int ret = io_uring_queue_init_params(4, &r, &p);
  if (ret == -EINVAL) {
    note(t, "mixed", "\"unsupported\"");
    return;
  }
  if (ret < 0) die("io_uring_queue_init(CQE_MIXED)", ret);
  if (p.cq_entries != 8) die("CQ of 8 entries", EINVAL);
  struct mixed m = {0, 0, 0};
  // 1 small + 3 big fill entries 0..6; reaped
  nop_sized(&r, 0, 1);
  for (int i = 0; i < 3; i++) nop_sized(&r, 1, 2 + i);
  ret = io_uring_submit(&r);
  if (ret != 4) die("io_uring_submit", ret < 0 ? ret : EIO);
  walk(&r, t, &m, 4);
  // a big one at entry 7 would straddle the end: padding there, the CQE at 8 and 9
  nop_sized(&r, 1, 5);
  nop_sized(&r, 0, 6);
  ret = io_uring_submit(&r);
  if (ret != 2) die("io_uring_submit", ret < 0 ? ret : EIO);
  walk(&r, t, &m, 2);
  note(t, "mixed_small", "%u", m.small);
  note(t, "mixed_big", "%u", m.big);
  note(t, "mixed_skips", "%u", m.skips);
  expect("big CQEs on the mixed ring", (int)m.big, 4);
  expect("padding CQEs on the mixed ring", (int)m.skips, 1);
  io_uring_queue_exit(&r);
}

int main(void) {
  struct tally t;
  tally_init(&t, 0);
  cqe32_ring(&t);
  mixed_ring(&t);
  t.overflows = 0;
  return finish("cqe32", &t);
}
