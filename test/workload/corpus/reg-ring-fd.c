/*
 * A registered ring fd (IORING_REGISTER_RING_FDS): liburing then enters with the ring's index
 * in the registered table and IORING_ENTER_REGISTERED_RING in place of the fd. Then the ring's
 * real fd is closed and the ring is used through its index alone (the registration keeps it
 * alive), as a program that wants no fd for its ring does.
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

int main(void) {
  struct tally t;
  tally_init(&t, 0);
  struct io_uring r;
  int ret = io_uring_queue_init(16, &r, 0);
  if (ret < 0) die("io_uring_queue_init", ret);
  ret = io_uring_register_ring_fd(&r);
  expect("io_uring_register_ring_fd", ret, 1);
  nops(&r, &t, 8, 100);
  int fd = open("/proc/self/exe", O_RDONLY);
  if (fd < 0) die("open", errno);
  static char buf[4][16];
  for (int i = 0; i < 4; i++) {
    struct io_uring_sqe *sqe = sqe_of(&r);
    io_uring_prep_read(sqe, fd, buf[i], sizeof buf[i], 16 * i);
    io_uring_sqe_set_data64(sqe, 200 + i);
    ret = io_uring_submit_and_wait(&r, 1);
    if (ret != 1) die("io_uring_submit_and_wait(read)", ret < 0 ? ret : EIO);
    struct cqe c = next_cqe(&r);
    t.cqes++;
    expect("read", c.res, 16);
  }
  // no fd left: only the registered index reaches the ring
  if (close(r.ring_fd) < 0) die("close(ring fd)", errno);
  nops(&r, &t, 8, 300);
  note(&t, "ring_fd_closed", "true");
  t.overflows = 0;
  close(fd);
  // (liburing's exit would unregister through the closed fd: the process's exit does it)
  return finish("reg-ring-fd", &t);
}
