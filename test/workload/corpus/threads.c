/*
 * Threads that exit. Four threads each make a ring of their own, use it and exit; each also
 * leaves a poll of a pipe in flight on the main thread's ring, and exits. On 6.18 the kernel
 * cancels those polls when their thread exits, and posts their CQEs (-ECANCELED) from a kworker;
 * were they still armed, the pipe is written after the threads are gone. Either way each poll
 * has one CQE, this process's. What the polls returned is in the notes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "corpus.h"

#define THREADS 4

static struct io_uring shared;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int pipefd[2];

struct worker {
  pthread_t th;
  int index;
  struct tally t;
};

static void *work(void *arg) {
  struct worker *w = arg;
  struct io_uring r;
  int ret = io_uring_queue_init(16, &r, 0);
  if (ret < 0) die("io_uring_queue_init (thread)", ret);
  nops(&r, &w->t, 8, 100);
  io_uring_queue_exit(&r);
  pthread_mutex_lock(&lock);
  struct io_uring_sqe *sqe = sqe_of(&shared);
  io_uring_prep_poll_add(sqe, pipefd[0], POLLIN);
  io_uring_sqe_set_data64(sqe, 1000 + w->index);
  ret = io_uring_submit(&shared);
  pthread_mutex_unlock(&lock);
  if (ret != 1) die("io_uring_submit(poll)", ret < 0 ? ret : EIO);
  return NULL;
}

int main(void) {
  struct tally t;
  tally_init(&t, 1);  // counts the threads' calls too
  int ret = io_uring_queue_init(16, &shared, 0);
  if (ret < 0) die("io_uring_queue_init", ret);
  if (pipe(pipefd) < 0) die("pipe", errno);
  struct worker w[THREADS];
  memset(w, 0, sizeof w);
  for (int i = 0; i < THREADS; i++) {
    w[i].index = i;
    if (pthread_create(&w[i].th, NULL, work, &w[i])) die("pthread_create", EAGAIN);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(w[i].th, NULL);
    t.cqes += w[i].t.cqes;
  }
  // (the polls may already be over: the kernel cancels a thread's polls when it exits)
  if (write(pipefd[1], "x", 1) != 1) die("write", errno);
  int ready = 0, cancelled = 0;
  for (int i = 0; i < THREADS; i++) {
    struct cqe c = next_cqe(&shared);
    t.cqes++;
    if (c.user_data < 1000 || c.user_data >= 1000 + THREADS) {
      fprintf(stderr, "threads: CQE %llu\n", c.user_data);
      failures++;
    }
    if (c.res == POLLIN)
      ready++;
    else if (c.res == -ECANCELED)
      cancelled++;
    else
      expect("poll of an exited thread", c.res, POLLIN);
  }
  note(&t, "polls_ready", "%d", ready);
  note(&t, "polls_cancelled", "%d", cancelled);
  t.overflows = 0;
  io_uring_queue_exit(&shared);
  close(pipefd[0]);
  close(pipefd[1]);
  return finish("threads", &t);
}
