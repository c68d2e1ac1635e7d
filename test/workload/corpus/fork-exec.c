/*
 * A fork whose child execs: the parent's ring is inherited by the child, which submits on it
 * (its requests, its CQEs, on a ring the parent owns), then execs exec-child (beside this
 * binary): the same pid under a new command name, with a ring of its own. The child's counts
 * before the exec are handed on in its arguments, its enter counter as an open fd. The parent
 * uses its ring again once the child is gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <liburing.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "corpus.h"

int main(void) {
  struct tally t;
  tally_init(&t, 0);
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n < 0) die("readlink", errno);
  self[n] = 0;
  char child_bin[PATH_MAX + 16];
  snprintf(child_bin, sizeof child_bin, "%s/exec-child", dirname(self));

  struct io_uring r;
  int ret = io_uring_queue_init(16, &r, 0);
  if (ret < 0) die("io_uring_queue_init", ret);
  nops(&r, &t, 4, 100);
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) die("fork", errno);
  if (pid == 0) {
    struct tally c;
    tally_init(&c, 0);
    nops(&r, &c, 2, 200);  // on the parent's ring
    if (failures) _exit(1);
    char cqes[32], fd[32];
    snprintf(cqes, sizeof cqes, "%ld", c.cqes);
    snprintf(fd, sizeof fd, "%d", c.enters_fd);
    execl(child_bin, "exec-child", cqes, fd, (char *)NULL);
    die("execl exec-child", errno);
  }
  int status;
  if (waitpid(pid, &status, 0) != pid) die("waitpid", errno);
  expect("exec-child's exit status", WIFEXITED(status) ? WEXITSTATUS(status) : 128, 0);
  // the child moved the shared SQ tail: liburing's private copy of it must follow
  r.sq.sqe_head = r.sq.sqe_tail = *r.sq.ktail;
  nops(&r, &t, 4, 300);
  note(&t, "child", "%d", (int)pid);
  t.overflows = 0;
  io_uring_queue_exit(&r);
  return finish("fork-exec", &t);
}
