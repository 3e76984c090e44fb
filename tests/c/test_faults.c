/*
 * Fault injection: what libmindra reports when the server misbehaves below the API level
 * (the emulator's fault-* scenarios write raw bytes on the socket), when a redirect points
 * at another host, and when TLS is wrong. Every fault checks the exact error kind, that it
 * came within a bounded time, and (valgrind runs this test) that nothing leaked; the large
 * ones also check the peak RSS stayed small.
 *
 * Each fault prints one line "fault NAME: KIND in N ms" on stderr, for the record.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "harness.h"

/* Slack for the time bounds: this test also runs under valgrind, which slows the library
 * (not the server's pacing) by an order of magnitude. */
#define SLACK_MS 2500.0

static MindraClient *client_with(const char *url, uint64_t timeout_ms) {
    MindraError *error = NULL;
    MindraClient *client = mindra_client_new(TEST_KEY, url, &error);
    CHECK(client != NULL);
    CHECK(error == NULL);
    if (error) fprintf(stderr, "client_new(%s): %s\n", url, error->message);
    mindra_error_free(error);
    if (client) {
        CHECK_KIND(mindra_client_set_timeout_ms(client, timeout_ms), MINDRA_OK);
        CHECK_KIND(mindra_client_set_max_retries(client, 0), MINDRA_OK);
    }
    return client;
}

static MindraClient *new_client(uint64_t timeout_ms) { return client_with(emulator_url(), timeout_ms); }

static void record(const char *name, int kind, double ms) {
    fprintf(stderr, "fault %s: %s in %.0f ms\n", name, mindra_error_kind_name(kind), ms);
}

/* The common checks on a failed run result. */
static void check_failed_run(const MindraRunResult *result) {
    CHECK(result->error_message != NULL && result->error_message[0] != '\0');
    CHECK(result->error_message == NULL || strstr(result->error_message, TEST_KEY) == NULL);
    CHECK(result->execution_id == NULL && result->raw_json == NULL);
}

/* Runs slug on a fresh client and checks the error kind and the elapsed time (ms). */
static void run_fault(const char *name, const char *slug, const char *metadata, uint64_t timeout_ms,
                      MindraErrorKind expected, double min_ms, double max_ms) {
    MindraClient *client = new_client(timeout_ms);
    MindraRunResult *result;
    double started, elapsed;
    long connections = emulator_connections();
    if (!client) return;
    started = now_ms();
    result = mindra_client_run_workflow(client, slug, "fault", metadata);
    elapsed = now_ms() - started;
    record(name, (int)result->error, elapsed);
    /* One connection for the run (no retries are allowed) and one for asking. */
    CHECK(emulator_connections() - connections == 2);
    CHECK_KIND(result->error, expected);
    if (result->error != MINDRA_OK) {
        check_failed_run(result);
        fprintf(stderr, "  message: %s\n", result->error_message);
    }
    CHECK(elapsed >= min_ms);
    CHECK(elapsed <= max_ms);
    if (elapsed < min_ms || elapsed > max_ms) fprintf(stderr, "  elapsed %.0f ms\n", elapsed);
    mindra_run_result_free(result);
    mindra_client_free(client);
}

/* Starts slug (whose fault is on the stream) and opens its stream; NULL if either failed. */
static MindraStream *open_faulty_stream(MindraClient *client, const char *slug, const char *metadata,
                                        MindraError **open_error) {
    MindraRunResult *result = mindra_client_run_workflow(client, slug, "fault", metadata);
    MindraStream *stream = NULL;
    CHECK_KIND(result->error, MINDRA_OK);
    if (result->error == MINDRA_OK) {
        stream = mindra_stream_open(client, result->stream_url, open_error);
    }
    mindra_run_result_free(result);
    return stream;
}

/* Reads a stream to its end; returns the number of events and the final error kind
 * (MINDRA_OK after done). The last event's type is stored in *last_type. */
static int drain_stream(MindraStream *stream, MindraErrorKind *kind, int *last_type) {
    int events = 0;
    *kind = MINDRA_OK;
    for (;;) {
        MindraError *error = NULL;
        MindraEvent *event = mindra_stream_next(stream, &error);
        if (!event) {
            if (error) {
                *kind = error->kind;
                CHECK(error->message != NULL && strstr(error->message, TEST_KEY) == NULL);
                fprintf(stderr, "  message: %s\n", error->message);
            }
            mindra_error_free(error);
            return events;
        }
        events++;
        *last_type = (int)event->type;
        mindra_event_free(event);
    }
}

/* Opens the faulty stream of slug and reads it; checks the end kind, event count and time. */
static void stream_fault(const char *name, const char *slug, const char *metadata, uint64_t timeout_ms,
                         MindraErrorKind expected, int expected_events, double min_ms, double max_ms) {
    MindraClient *client = new_client(timeout_ms);
    MindraError *error = NULL;
    MindraStream *stream;
    MindraErrorKind kind;
    int events = 0, last_type = -1;
    double started, elapsed;
    if (!client) return;
    started = now_ms();
    stream = open_faulty_stream(client, slug, metadata, &error);
    if (stream) {
        events = drain_stream(stream, &kind, &last_type);
    } else {
        kind = error ? error->kind : MINDRA_OK;
        if (error) fprintf(stderr, "  open failed: %s\n", error->message);
    }
    elapsed = now_ms() - started;
    record(name, (int)kind, elapsed);
    CHECK_KIND(kind, expected);
    CHECK(events == expected_events);
    if (events != expected_events) fprintf(stderr, "  %d events, expected %d\n", events, expected_events);
    CHECK(elapsed >= min_ms);
    CHECK(elapsed <= max_ms);
    if (elapsed < min_ms || elapsed > max_ms) fprintf(stderr, "  elapsed %.0f ms\n", elapsed);
    mindra_error_free(error);
    mindra_stream_free(stream);
    mindra_client_free(client);
}

/* ---- connection reset, no answer, trickles ---- */

static void test_reset_in_the_middle_of_the_run_response(void) {
    run_fault("reset mid run body", "fault-reset", NULL, 5000, MINDRA_ERR_TRANSPORT, 0, SLACK_MS);
}

static void test_reset_in_the_middle_of_a_stream(void) {
    /* One event arrives, then the connection is reset in the middle of the next one; the
     * stream sent no ids, so there is no reconnection. */
    stream_fault("reset mid stream", "fault-reset", "{\"on\":\"stream\"}", 5000, MINDRA_ERR_TRANSPORT, 1, 0,
                 SLACK_MS);
}

static void test_server_that_never_answers(void) {
    run_fault("run never answered", "fault-no-answer", NULL, 500, MINDRA_ERR_TIMEOUT, 450, 500 + SLACK_MS);
    /* The stream request: open waits for the response head, at most the timeout. */
    stream_fault("stream never answered", "fault-no-answer", "{\"on\":\"stream\"}", 500, MINDRA_ERR_TIMEOUT, 0,
                 450, 500 + SLACK_MS);
}

static void test_run_body_trickling_one_byte_a_second(void) {
    /* The run timeout is a total per-attempt timeout: bytes arriving every second do not
     * keep a 1.5 s request alive. */
    run_fault("run body 1 byte/s, timeout 1500 ms", "fault-trickle", "{\"interval_ms\":1000}", 1500,
              MINDRA_ERR_TIMEOUT, 1450, 1500 + SLACK_MS);
}

static void test_stream_trickling_one_byte_every_200_ms(void) {
    /* For a stream the timeout is an idle timeout: 1 byte every 200 ms with a 500 ms
     * timeout is never silent for long enough, though the trickle lasts 1.4 s. */
    MindraClient *client = new_client(500);
    MindraError *error = NULL;
    MindraStream *stream;
    MindraEvent *event;
    double started, elapsed;
    if (!client) return;
    started = now_ms();
    stream = open_faulty_stream(client, "fault-trickle",
                                "{\"on\":\"stream\",\"interval_ms\":200,\"text\":\"trickle\"}", &error);
    CHECK(stream != NULL && error == NULL);
    event = stream ? mindra_stream_next(stream, &error) : NULL;
    CHECK(event != NULL && error == NULL);
    if (error) fprintf(stderr, "  next: %s: %s\n", mindra_error_kind_name((int)error->kind), error->message);
    CHECK(event != NULL && event->type == MINDRA_EVENT_CHUNK);
    CHECK_STR(event ? event->content : NULL, "trickle");
    mindra_event_free(event);
    mindra_error_free(error);
    error = NULL;
    event = stream ? mindra_stream_next(stream, &error) : NULL;
    CHECK(event != NULL && event->type == MINDRA_EVENT_DONE);
    mindra_event_free(event);
    mindra_error_free(error);
    elapsed = now_ms() - started;
    record("stream 1 byte/200 ms, timeout 500 ms", MINDRA_OK, elapsed);
    CHECK(elapsed >= 1350); /* 7 bytes, 200 ms apart: longer than the timeout in total */
    CHECK(elapsed <= 1400 + SLACK_MS);
    mindra_stream_free(stream);
    mindra_client_free(client);
}

/* ---- broken framing ---- */

static void test_truncated_chunked_encoding(void) {
    /* A chunk that announces 256 more bytes than arrive, then FIN. */
    run_fault("run chunk cut mid-chunk", "fault-chunked-truncated", NULL, 5000, MINDRA_ERR_TRANSPORT, 0, SLACK_MS);
    /* Every byte of a complete JSON body in whole chunks, but no terminating 0-chunk before
     * FIN: the body may be incomplete, so it must not be accepted. */
    run_fault("run chunked without last chunk", "fault-chunked-truncated", "{\"cut\":\"no-last-chunk\"}", 5000,
              MINDRA_ERR_TRANSPORT, 0, SLACK_MS);
    stream_fault("stream chunk cut mid-chunk", "fault-chunked-truncated", "{\"on\":\"stream\"}", 5000,
                 MINDRA_ERR_TRANSPORT, 1, 0, SLACK_MS);
    stream_fault("stream chunked without last chunk", "fault-chunked-truncated",
                 "{\"on\":\"stream\",\"cut\":\"no-last-chunk\"}", 5000, MINDRA_ERR_TRANSPORT, 2, 0, SLACK_MS);
}

static void test_content_length_far_larger_than_the_body(void) {
    /* Content-Length: 1000000, then a complete JSON run response (~250 bytes), then FIN. */
    run_fault("run Content-Length 1e6, 250-byte body, FIN", "fault-short-body", NULL, 5000, MINDRA_ERR_TRANSPORT,
              0, SLACK_MS);
    /* The same, but the server keeps the connection open: the timeout ends it. */
    run_fault("run Content-Length 1e6, 250-byte body, held open", "fault-short-body", "{\"end\":\"hold\"}", 500,
              MINDRA_ERR_TIMEOUT, 450, 500 + SLACK_MS);
    stream_fault("stream Content-Length 1e6, one event, FIN", "fault-short-body", "{\"on\":\"stream\"}", 5000,
                 MINDRA_ERR_TRANSPORT, 1, 0, SLACK_MS);
}

/* ---- memory bounds ---- */

/* Runs slug and checks kind, time and how far the peak RSS rose (MiB). */
static void run_fault_bounded(const char *name, const char *slug, const char *metadata, MindraErrorKind expected,
                              double max_ms, long max_growth_mib) {
    long before, after;
    CHECK(harness_reset_peak_rss() == 0);
    before = harness_proc_status_kb("VmHWM");
    run_fault(name, slug, metadata, 10000, expected, 0, max_ms);
    after = harness_proc_status_kb("VmHWM");
    fprintf(stderr, "  peak RSS %ld -> %ld kB (+%ld MiB)\n", before, after, (after - before) / 1024);
    CHECK(before > 0 && after > 0);
    CHECK(after - before <= max_growth_mib * 1024);
}

static void stream_fault_bounded(const char *name, const char *slug, const char *metadata,
                                 MindraErrorKind expected, int events, double max_ms, long max_growth_mib) {
    long before, after;
    CHECK(harness_reset_peak_rss() == 0);
    before = harness_proc_status_kb("VmHWM");
    stream_fault(name, slug, metadata, 10000, expected, events, 0, max_ms);
    after = harness_proc_status_kb("VmHWM");
    fprintf(stderr, "  peak RSS %ld -> %ld kB (+%ld MiB)\n", before, after, (after - before) / 1024);
    CHECK(before > 0 && after > 0);
    CHECK(after - before <= max_growth_mib * 1024);
}

static void test_one_gib_body(void) {
    /* Content-Length: 1 GiB of a JSON string that never ends: the 10 MiB cap on run bodies
     * stops it. */
    run_fault_bounded("run 1 GiB body", "fault-huge-body", NULL, MINDRA_ERR_PROTOCOL, 4 * SLACK_MS, 48);
    /* On a stream, the same bytes are one endless data: line: the 16 MiB line bound. */
    stream_fault_bounded("stream 1 GiB line", "fault-huge-body", "{\"on\":\"stream\"}", MINDRA_ERR_PROTOCOL, 0,
                         6 * SLACK_MS, 64);
}

static void test_gzip_bomb(void) {
    /* ~1 MiB of gzip that inflates to 1 GiB, with Content-Encoding: gzip. libmindra does
     * not ask for gzip and does not decode it: the JSON parse of the raw bytes fails. */
    run_fault_bounded("run gzip bomb", "fault-gzip-bomb", NULL, MINDRA_ERR_PROTOCOL, SLACK_MS, 32);
    /* The stream asked for identity; the compressed bytes hold no event before the end. */
    stream_fault_bounded("stream gzip bomb", "fault-gzip-bomb", "{\"on\":\"stream\"}", MINDRA_ERR_TRANSPORT, 0,
                         SLACK_MS, 32);
}

static void test_multi_megabyte_response_header(void) {
    run_fault_bounded("run 4 MiB header line", "fault-huge-header", NULL, MINDRA_ERR_PROTOCOL, SLACK_MS, 32);
    run_fault_bounded("run 4 MiB in 65536 header lines", "fault-huge-header", "{\"header_lines\":65536}",
                      MINDRA_ERR_PROTOCOL, SLACK_MS, 32);
    stream_fault_bounded("stream 4 MiB header line", "fault-huge-header", "{\"on\":\"stream\"}",
                         MINDRA_ERR_PROTOCOL, 0, SLACK_MS, 32);
}

static void test_20_mib_line(void) {
    stream_fault_bounded("stream 20 MiB line", "long-line", NULL, MINDRA_ERR_PROTOCOL, 0, 6 * SLACK_MS, 64);
}

/* ---- SSE shapes ---- */

static void test_lines_without_a_blank_line(void) {
    /* 10,000 "data: x" lines and no blank line, then the body ends properly: nothing is
     * dispatched (an unterminated event is dropped) and the stream ended before done. */
    stream_fault("10000 data lines, no blank line, EOF", "no-blank-lines", NULL, 5000, MINDRA_ERR_TRANSPORT, 0, 0,
                 SLACK_MS);
}

static void test_one_event_of_10000_data_lines(void) {
    MindraClient *client = new_client(5000);
    MindraError *error = NULL;
    MindraStream *stream;
    MindraEvent *event;
    if (!client) return;
    stream = open_faulty_stream(client, "no-blank-lines", "{\"terminate\":true}", &error);
    CHECK(stream != NULL);
    event = stream ? mindra_stream_next(stream, &error) : NULL;
    CHECK(event != NULL && error == NULL);
    if (event) {
        size_t len = strlen(event->data);
        CHECK(event->type == MINDRA_EVENT_OTHER);
        CHECK_STR(event->event, "message");
        CHECK(len == 10000 * 2 - 1); /* "x\nx\n...x" */
        CHECK(count_occurrences(event->data, "\n") == 9999);
    }
    mindra_event_free(event);
    mindra_error_free(error);
    error = NULL;
    event = stream ? mindra_stream_next(stream, &error) : NULL;
    CHECK(event != NULL && event->type == MINDRA_EVENT_DONE);
    mindra_event_free(event);
    mindra_error_free(error);
    mindra_stream_free(stream);
    mindra_client_free(client);
}

/* A pointer that is not the library's: a call that must store NULL is seen to have done so. */
static MindraError not_touched;

static void test_done_then_the_socket_stays_open(void) {
    MindraClient *client = new_client(5000);
    MindraError *error = NULL;
    MindraStream *stream;
    MindraEvent *event;
    double started;
    int events = 0, done = 0;
    if (!client) return;
    stream = open_faulty_stream(client, "done-keep-open", NULL, &error);
    CHECK(stream != NULL);
    started = now_ms();
    while (stream && (event = mindra_stream_next(stream, &error)) != NULL) {
        events++;
        done = event->type == MINDRA_EVENT_DONE;
        mindra_event_free(event);
    }
    CHECK(done && events == 2 && error == NULL);
    /* After done: NULL and no error at once, however often, though the server holds on. */
    error = &not_touched;
    CHECK(stream && mindra_stream_next(stream, &error) == NULL && error == NULL);
    CHECK(stream && mindra_stream_next(stream, NULL) == NULL);
    record("done, socket kept open", MINDRA_OK, now_ms() - started);
    CHECK(now_ms() - started < SLACK_MS);
    mindra_stream_free(stream);
    mindra_client_free(client);
}

/* ---- redirects ---- */

/* Is there a connection waiting on listener fd within ms? Accepts and closes it. */
static int connection_arrives(int fd, int ms) {
    struct pollfd p;
    p.fd = fd;
    p.events = POLLIN;
    if (poll(&p, 1, ms) == 1) {
        int c = accept(fd, NULL, NULL);
        if (c >= 0) close(c);
        return 1;
    }
    return 0;
}

static void test_redirect_to_another_host(void) {
    static const char *statuses[] = {"301", "302", "303", "307", "308"};
    char metadata[256];
    int port = 0, listener = harness_listen("127.0.0.2", &port);
    MindraClient *client = new_client(5000);
    size_t i;
    char *requests;
    CHECK(listener >= 0);
    if (listener < 0 || !client) {
        mindra_client_free(client);
        return;
    }
    emulator_clear_requests();
    for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        MindraRunResult *result;
        double started = now_ms();
        snprintf(metadata, sizeof metadata,
                 "{\"status\":%s,\"location\":\"http://127.0.0.2:%d/v1/workflows/hello/run\"}", statuses[i], port);
        result = mindra_client_run_workflow(client, "redirect", "follow me", metadata);
        record(statuses[i], (int)result->error, now_ms() - started);
        CHECK_KIND(result->error, MINDRA_ERR_PROTOCOL);
        CHECK(result->http_status == atoi(statuses[i]));
        check_failed_run(result);
        /* Clear: it names the redirect, where it pointed, and that it was not followed. */
        CHECK(result->error_message && strstr(result->error_message, "redirect") != NULL);
        CHECK(result->error_message && strstr(result->error_message, "127.0.0.2") != NULL);
        if (i == 0) fprintf(stderr, "  message: %s\n", result->error_message);
        mindra_run_result_free(result);
    }
    /* The stream request redirected too (the run itself succeeds). */
    {
        MindraError *error = NULL;
        MindraStream *stream;
        snprintf(metadata, sizeof metadata,
                 "{\"on\":\"stream\",\"location\":\"http://127.0.0.2:%d/api/v1/workflows/execute/x/stream\"}", port);
        stream = open_faulty_stream(client, "redirect", metadata, &error);
        CHECK(stream == NULL);
        CHECK(error != NULL && error->kind == MINDRA_ERR_PROTOCOL);
        CHECK(error != NULL && error->http_status == 307);
        if (error) record("stream 307", (int)error->kind, 0);
        if (error) fprintf(stderr, "  message: %s\n", error->message);
        mindra_error_free(error);
        mindra_stream_free(stream);
    }
    /* Nothing ever connected to the other host, so the key went nowhere. */
    CHECK(!connection_arrives(listener, 300));
    requests = emulator_requests();
    CHECK(count_occurrences(requests, "/v1/workflows/redirect/run") == 6); /* each sent once */
    free(requests);
    close(listener);
    mindra_client_free(client);
}

/* ---- TLS ---- */

struct tls_files {
    char dir[4096];
    char ca[4200], other_ca[4200], cert[4200], key[4200], self_cert[4200], self_key[4200];
};

/* The throwaway CA and certificates in BUILD/tls (made by emulator/tls/make-test-certs.sh,
 * which mk/hardening.mk runs first; run here too when they are missing). */
static int tls_files(struct tls_files *t) {
    char script[4096], command[8400];
    const char *env = getenv("MINDRA_TEST_TLS_DIR");
    if (env && env[0]) {
        snprintf(t->dir, sizeof t->dir, "%s", env);
    } else if (!harness_repo_path("build", t->dir, sizeof t->dir, 0)) {
        return 0;
    } else {
        strcat(t->dir, "/tls");
    }
    snprintf(t->ca, sizeof t->ca, "%s/ca.pem", t->dir);
    snprintf(t->other_ca, sizeof t->other_ca, "%s/other-ca.pem", t->dir);
    snprintf(t->cert, sizeof t->cert, "%s/server.pem", t->dir);
    snprintf(t->key, sizeof t->key, "%s/server.key", t->dir);
    snprintf(t->self_cert, sizeof t->self_cert, "%s/selfsigned.pem", t->dir);
    snprintf(t->self_key, sizeof t->self_key, "%s/selfsigned.key", t->dir);
    if (harness_exists(t->self_key, 0)) return 1;
    if (!harness_repo_path("emulator/tls/make-test-certs.sh", script, sizeof script, 0)) return 0;
    snprintf(command, sizeof command, "bash '%s' '%s'", script, t->dir);
    return system(command) == 0 && harness_exists(t->self_key, 0);
}

/* Runs hello against url with a client made now (MINDRA_CA_FILE is read at creation). */
static MindraErrorKind tls_run(const char *name, const char *url, int stream_too) {
    MindraClient *client = client_with(url, 5000);
    MindraRunResult *result;
    MindraErrorKind kind;
    double started = now_ms();
    if (!client) return MINDRA_ERR_INTERNAL;
    result = mindra_client_run_workflow(client, "hello", "over TLS", NULL);
    kind = result->error;
    record(name, (int)kind, now_ms() - started);
    if (kind != MINDRA_OK) {
        check_failed_run(result);
        CHECK(result->http_status == 0);
        fprintf(stderr, "  message: %s\n", result->error_message);
    } else if (stream_too) {
        MindraError *error = NULL;
        MindraStream *stream = mindra_stream_open(client, result->stream_url, &error);
        MindraErrorKind end;
        int last = -1;
        CHECK(stream != NULL && error == NULL);
        CHECK(stream && drain_stream(stream, &end, &last) == 7);
        CHECK(stream && end == MINDRA_OK && last == MINDRA_EVENT_DONE);
        mindra_error_free(error);
        mindra_stream_free(stream);
    }
    mindra_run_result_free(result);
    mindra_client_free(client);
    return kind;
}

static void test_tls(void) {
    struct tls_files t;
    char url[256], self_url[256], other_host_url[256];
    const char *ca_args[5], *self_args[5], *host_args[7];
    pid_t emulator, self_signed, wrong_host;
    MindraError *error = NULL;

    if (!tls_files(&t)) {
        CHECK(!"the TLS test material could not be made (is the openssl CLI there?)");
        return;
    }
    ca_args[0] = "--tls-cert";
    ca_args[1] = t.cert;
    ca_args[2] = "--tls-key";
    ca_args[3] = t.key;
    ca_args[4] = NULL;
    self_args[0] = "--tls-cert";
    self_args[1] = t.self_cert;
    self_args[2] = "--tls-key";
    self_args[3] = t.self_key;
    self_args[4] = NULL;
    host_args[0] = "--tls-cert";
    host_args[1] = t.cert;
    host_args[2] = "--tls-key";
    host_args[3] = t.key;
    host_args[4] = "--host";
    host_args[5] = "127.0.0.2";
    host_args[6] = NULL;
    emulator = harness_spawn_emulator(ca_args, url, sizeof url);
    self_signed = harness_spawn_emulator(self_args, self_url, sizeof self_url);
    wrong_host = harness_spawn_emulator(host_args, other_host_url, sizeof other_host_url);
    CHECK(emulator > 0 && self_signed > 0 && wrong_host > 0);
    CHECK(strncmp(url, "https://127.0.0.1:", 18) == 0);
    CHECK(strncmp(other_host_url, "https://127.0.0.2:", 18) == 0);

    if (emulator > 0 && self_signed > 0 && wrong_host > 0) {
        /* The built-in Mozilla roots do not know the test CA, nor a self-signed server. */
        unsetenv("MINDRA_CA_FILE");
        CHECK_KIND(tls_run("TLS, unknown CA, built-in roots", url, 0), MINDRA_ERR_TRANSPORT);
        CHECK_KIND(tls_run("TLS, self-signed, built-in roots", self_url, 0), MINDRA_ERR_TRANSPORT);

        /* MINDRA_CA_FILE trusts the test CA, read when a client is created. */
        setenv("MINDRA_CA_FILE", t.ca, 1);
        CHECK_KIND(tls_run("TLS, MINDRA_CA_FILE = the CA", url, 1), MINDRA_OK);
        /* ...and only the CA file: no built-in roots, and it does not vouch for others. */
        CHECK_KIND(tls_run("TLS, self-signed, MINDRA_CA_FILE = the CA", self_url, 0), MINDRA_ERR_TRANSPORT);
        CHECK_KIND(tls_run("TLS, certificate for 127.0.0.1 served as 127.0.0.2", other_host_url, 0),
                   MINDRA_ERR_TRANSPORT);
        setenv("MINDRA_CA_FILE", t.other_ca, 1);
        CHECK_KIND(tls_run("TLS, MINDRA_CA_FILE = an unrelated CA", url, 0), MINDRA_ERR_TRANSPORT);

        /* An unusable CA file is a configuration error when the client is made. */
        setenv("MINDRA_CA_FILE", "/nonexistent/ca.pem", 1);
        CHECK(mindra_client_new(TEST_KEY, url, &error) == NULL);
        CHECK(error != NULL && error->kind == MINDRA_ERR_CONFIG);
        if (error) fprintf(stderr, "fault unreadable MINDRA_CA_FILE: %s (%s)\n",
                           mindra_error_kind_name((int)error->kind), error->message);
        mindra_error_free(error);
        error = NULL;
        setenv("MINDRA_CA_FILE", t.key, 1); /* a PEM file without a certificate */
        CHECK(mindra_client_new(TEST_KEY, url, &error) == NULL);
        CHECK(error != NULL && error->kind == MINDRA_ERR_CONFIG);
        mindra_error_free(error);
        unsetenv("MINDRA_CA_FILE");
    }
    harness_stop_emulator(emulator);
    harness_stop_emulator(self_signed);
    harness_stop_emulator(wrong_host);
}

/* With an argument, only the tests whose name contains it (for running one by hand). */
#define RUN_SELECTED(test)                                                                   \
    do {                                                                                     \
        if (!only || strstr(#test, only)) RUN(test);                                         \
    } while (0)

int main(int argc, char **argv) {
    const char *only = argc > 1 ? argv[1] : NULL;
    harness_set_argv0(argv[0]);
    harness_watchdog(300);
    RUN_SELECTED(test_reset_in_the_middle_of_the_run_response);
    RUN_SELECTED(test_reset_in_the_middle_of_a_stream);
    RUN_SELECTED(test_server_that_never_answers);
    RUN_SELECTED(test_run_body_trickling_one_byte_a_second);
    RUN_SELECTED(test_stream_trickling_one_byte_every_200_ms);
    RUN_SELECTED(test_truncated_chunked_encoding);
    RUN_SELECTED(test_content_length_far_larger_than_the_body);
    RUN_SELECTED(test_one_gib_body);
    RUN_SELECTED(test_gzip_bomb);
    RUN_SELECTED(test_multi_megabyte_response_header);
    RUN_SELECTED(test_20_mib_line);
    RUN_SELECTED(test_lines_without_a_blank_line);
    RUN_SELECTED(test_one_event_of_10000_data_lines);
    RUN_SELECTED(test_done_then_the_socket_stays_open);
    RUN_SELECTED(test_redirect_to_another_host);
    RUN_SELECTED(test_tls);
    return harness_finish();
}
