/*
 * Reference load client for the benchmarks: the machine's limit on the client side.
 * Opens CONNS connections, keeps DEPTH requests in flight on each (1 = sequential), and
 * counts answers (0x03 terminators) after a warm-up. The request is a Ganeti-style
 * {"method":"echo","args":["xxx..."]} of about MSG_BYTES bytes; answers are not parsed.
 *
 * usage: echo_client SOCKET CONNS DEPTH DURATION_MS WARMUP_MS MSG_BYTES
 * prints: {"ops":N,"seconds":S,"total":T,"cpuUs":C}: N answers in the S seconds after the
 * warm-up, T answers in all, and the CPU time (user + system, microseconds) this process used.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EAGAIN || errno == EINTR) {
        struct pollfd pfd = {fd, POLLOUT, 0};
        poll(&pfd, 1, 1000);
        continue;
      }
      perror("write");
      exit(1);
    }
    p += w;
    n -= (size_t)w;
  }
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s SOCKET CONNS DEPTH DURATION_MS WARMUP_MS MSG_BYTES\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  const char *path = argv[1];
  int conns = atoi(argv[2]), depth = atoi(argv[3]);
  double duration = atof(argv[4]) / 1000.0, warmup = atof(argv[5]) / 1000.0;
  int msg = atoi(argv[6]);
  const char *head = "{\"method\":\"echo\",\"args\":[\"";
  const char *tail = "\"]}\x03";
  int pad = msg - (int)strlen(head) - (int)strlen(tail);
  if (pad < 1) pad = 1;
  size_t req_len = strlen(head) + (size_t)pad + strlen(tail);
  /* DEPTH copies back to back, so a burst of k requests is one write. */
  char *reqs = malloc(req_len * (size_t)depth);
  for (int d = 0; d < depth; d++) {
    char *r = reqs + req_len * (size_t)d;
    memcpy(r, head, strlen(head));
    memset(r + strlen(head), 'x', (size_t)pad);
    memcpy(r + strlen(head) + (size_t)pad, tail, strlen(tail));
  }
  int ep = epoll_create1(0);
  int *fds = calloc((size_t)conns, sizeof(int));
  for (int i = 0; i < conns; i++) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {0};
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("connect"); return 1; }
    fds[i] = fd;
    struct epoll_event ev = {0};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  for (int i = 0; i < conns; i++) write_all(fds[i], reqs, req_len * (size_t)depth);
  long long count = 0, count_at_start = -1;
  double t0 = now(), t_start = t0 + warmup, t_end = t_start + duration, t_measured = 0;
  static char buf[1 << 16];
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(ep, events, 256, 1000);
    if (n == 0) { fprintf(stderr, "echo_client: no answer within 1 s\n"); return 1; }
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      ssize_t r = read(fd, buf, sizeof buf);
      if (r <= 0) {
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        fprintf(stderr, "echo_client: server closed the connection\n");
        return 1;
      }
      int k = 0;
      const char *p = buf, *end = buf + r;
      while ((p = memchr(p, 3, (size_t)(end - p))) != NULL) { k++; p++; }
      count += k;
      if (k > 0) {
        /* Keep DEPTH in flight: one new request per answer. */
        while (k > depth) { write_all(fd, reqs, req_len * (size_t)depth); k -= depth; }
        write_all(fd, reqs, req_len * (size_t)k);
      }
    }
    double t = now();
    if (count_at_start < 0 && t >= t_start) { count_at_start = count; t_start = t; }
    if (t >= t_end && count_at_start >= 0) { t_measured = t - t_start; break; }
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  long long cpu_us = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
  printf("{\"ops\":%lld,\"seconds\":%.6f,\"total\":%lld,\"cpuUs\":%lld}\n", count - count_at_start, t_measured, count, cpu_us);
  return 0;
}
