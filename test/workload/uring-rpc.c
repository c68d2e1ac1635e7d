/*
 * A paced request/response exchange over TCP on the loopback, through one io_uring: the network
 * part of the bundled demo recording (recordings/make-recordings.sh).
 *
 * Usage: uring-rpc SECONDS RATE
 * Connects to itself (ACCEPT and CONNECT through the ring), then RATE times a second for SECONDS:
 * the client SENDs a 200-byte request and the server RECVs it; the server SENDs a reply of 1 to
 * 16 KiB and the client RECVs it. Each pair is one io_uring_enter that waits for both
 * completions. Paced with clock_nanosleep, not with IORING_OP_TIMEOUT, so that no operation
 * ends in an error. Prints the number of exchanges; exits 1 with a message on any failure.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQUEST 200
#define MAX_REPLY 16384

static struct io_uring ring;
static char request[REQUEST], request_in[REQUEST];
static char reply[MAX_REPLY], reply_in[MAX_REPLY];

static void die(const char *what, int err) {
  fprintf(stderr, "uring-rpc: %s: %s\n", what, strerror(err < 0 ? -err : err));
  exit(1);
}

static struct io_uring_sqe *sqe_of(void) {
  struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
  if (!sqe) die("no sqe", EBUSY);
  return sqe;
}

/*
 * Submits the two queued operations (user_data 0 and 1), waits for both, and checks that each
 * returned `want` (any result when want < 0); returns the result of operation 0.
 */
static int both(int want) {
  int ret = io_uring_submit_and_wait(&ring, 2);
  if (ret < 0) die("io_uring_submit_and_wait", ret);
  int first = 0;
  for (int i = 0; i < 2; i++) {
    struct io_uring_cqe *cqe;
    ret = io_uring_wait_cqe(&ring, &cqe);
    if (ret < 0) die("io_uring_wait_cqe", ret);
    if (cqe->res < 0) die(cqe->user_data == 0 ? "first operation" : "second operation", cqe->res);
    if (want >= 0 && cqe->res != want) {
      fprintf(stderr, "uring-rpc: an operation returned %d bytes, expected %d\n", cqe->res, want);
      exit(1);
    }
    if (cqe->user_data == 0) first = cqe->res;
    io_uring_cqe_seen(&ring, cqe);
  }
  return first;
}

/* `size` bytes from sfd to rfd: the RECV is queued first, so it waits for the SEND. */
static void exchange(int rfd, void *rbuf, int sfd, const void *sbuf, int size) {
  struct io_uring_sqe *sqe = sqe_of();
  io_uring_prep_recv(sqe, rfd, rbuf, size, MSG_WAITALL);
  io_uring_sqe_set_data64(sqe, 0);
  sqe = sqe_of();
  io_uring_prep_send(sqe, sfd, sbuf, size, 0);
  io_uring_sqe_set_data64(sqe, 1);
  both(size);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: uring-rpc SECONDS RATE\n");
    return 1;
  }
  double seconds = atof(argv[1]);
  double rate = atof(argv[2]);
  if (!(seconds > 0) || !(rate > 0) || rate > 100000) {
    fprintf(stderr, "uring-rpc: SECONDS must be > 0 and RATE from 1 to 100000\n");
    return 1;
  }
  int ret = io_uring_queue_init(16, &ring, 0);
  if (ret < 0) die("io_uring_queue_init", ret);

  int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) die("socket", errno);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind", errno);
  if (listen(listener, 1) < 0) die("listen", errno);
  if (getsockname(listener, (struct sockaddr *)&addr, &len) < 0) die("getsockname", errno);
  int client = socket(AF_INET, SOCK_STREAM, 0);
  if (client < 0) die("socket", errno);

  /* the server's end is the ACCEPT's result */
  struct io_uring_sqe *sqe = sqe_of();
  io_uring_prep_accept(sqe, listener, NULL, NULL, 0);
  io_uring_sqe_set_data64(sqe, 0);
  sqe = sqe_of();
  io_uring_prep_connect(sqe, client, (struct sockaddr *)&addr, sizeof addr);
  io_uring_sqe_set_data64(sqe, 1);
  int server = both(-1);

  memset(request, 'q', sizeof request);
  memset(reply, 'r', sizeof reply);
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  long step_ns = (long)(1e9 / rate);
  long n = (long)(seconds * rate);
  unsigned seed = 12345;
  for (long i = 0; i < n; i++) {
    seed = seed * 1103515245 + 12345;
    int size = 1024 + (int)((seed >> 8) % (MAX_REPLY - 1024 + 1));

    exchange(server, request_in, client, request, REQUEST);
    exchange(client, reply_in, server, reply, size);

    next.tv_nsec += step_ns;
    while (next.tv_nsec >= 1000000000L) {
      next.tv_nsec -= 1000000000L;
      next.tv_sec++;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
  close(client);
  close(server);
  close(listener);
  io_uring_queue_exit(&ring);
  printf("%ld exchanges\n", n);
  return 0;
}
