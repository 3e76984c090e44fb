/*
 * latency_server EVENTS GAP_US: the first-event latency fixture (nginx cannot send one event
 * at a time on cue).
 *
 * Listens on 127.0.0.1 (a free port, printed as the first line of stdout). A session is two
 * connections, in either order: an "ACK\n" control connection and one HTTP request (any
 * path). It answers `200 text/event-stream`, `Connection: close`, no Content-Length, and then,
 * EVENTS times: reads CLOCK_MONOTONIC, writes one event whose content is that time in ns
 * (`event: chunk\ndata: {"content":"<ns>"}\n\n`, one write, TCP_NODELAY), waits for the client's
 * one-byte acknowledgement on the control connection, sleeps GAP_US. Then it writes a done
 * event and closes both. Sessions repeat until the process is killed.
 *
 * The client subtracts the stamp from its own CLOCK_MONOTONIC when the event is handed to it:
 * client and server share the clock on one machine, so that is the one-way latency from the
 * server's write to the API returning the event. The acknowledgement keeps exactly one event in
 * flight, so a client stall (other work on the machine) can never queue later events behind it
 * and every sample is independent; the gap lets the client block in its read before each
 * event, as it does between the tokens of a real stream.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static unsigned long long mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static int write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads the first bytes of a connection: 1 for the ACK channel, 0 for an HTTP request (read
 * through its blank line), -1 on error. */
static int classify(int fd) {
    char buf[8192];
    size_t len = 0;
    while (len < sizeof buf - 1) {
        ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
        if (r <= 0) return -1;
        len += (size_t)r;
        buf[len] = '\0';
        if (len >= 4 && memcmp(buf, "ACK\n", 4) == 0) return 1;
        if (strstr(buf, "\r\n\r\n")) return 0;
    }
    return -1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s EVENTS GAP_US\n", argv[0]);
        return 2;
    }
    long events = atol(argv[1]);
    long gap_us = atol(argv[2]);
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 16)) {
        perror("latency_server: listen");
        return 1;
    }
    socklen_t al = sizeof a;
    getsockname(ls, (struct sockaddr *)&a, &al);
    printf("%d\n", ntohs(a.sin_port));
    fflush(stdout);

    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                               "Cache-Control: no-cache\r\nConnection: close\r\n\r\n";
    for (;;) {
        int ack = -1, http = -1;
        while (ack < 0 || http < 0) {
            int c = accept(ls, NULL, NULL);
            if (c < 0) continue;
            setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            int kind = classify(c);
            if (kind == 1 && ack < 0) ack = c;
            else if (kind == 0 && http < 0) http = c;
            else close(c);
        }
        if (write_all(http, head, sizeof head - 1) == 0) {
            struct timespec gap = {gap_us / 1000000, (gap_us % 1000000) * 1000};
            char ev[128];
            for (long i = 0; i < events; i++) {
                unsigned long long stamp = mono_ns();
                int n = snprintf(ev, sizeof ev, "event: chunk\ndata: {\"content\":\"%llu\"}\n\n",
                                 stamp);
                char c;
                if (write_all(http, ev, (size_t)n) || read(ack, &c, 1) != 1) break;
                if (gap_us > 0) nanosleep(&gap, NULL);
            }
            static const char done[] =
                "event: done\ndata: {\"execution_id\":\"ex_latency\",\"status\":\"completed\","
                "\"final_answer\":\"ok\"}\n\n";
            write_all(http, done, sizeof done - 1);
        }
        shutdown(http, SHUT_WR);
        close(http);
        close(ack);
    }
}
