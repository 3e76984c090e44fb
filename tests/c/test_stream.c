/*
 * C tests of the contract's sections Streaming events and Approvals, against the emulator
 * (started by the test command): every streaming scenario, read through mindra_stream_next
 * with exact events and fields, opening rules, approvals from another thread, cancellation,
 * timeouts, reconnection, many events and many concurrent streams.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "harness.h"

/* A pointer that is not NULL and not the library's: a call that must set *error_out to NULL
 * on success is seen to have done so. Never freed. */
static MindraError not_touched;

static void sleep_ms(int ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static MindraClient *new_client(void) {
    MindraError *error = NULL;
    MindraClient *client = mindra_client_new(TEST_KEY, emulator_url(), &error);
    CHECK(client != NULL);
    CHECK(error == NULL);
    mindra_error_free(error);
    if (client) {
        /* A hung stream fails the test instead of blocking for the 30 s default. */
        CHECK_KIND(mindra_client_set_timeout_ms(client, 10000), MINDRA_OK);
    }
    return client;
}

/* Starts slug on client (NULL: the default client) and checks it started. */
static MindraRunResult *start(MindraClient *client, const char *slug, const char *task,
                              const char *metadata) {
    MindraRunResult *result = client ? mindra_client_run_workflow(client, slug, task, metadata)
                                     : mindra_run_workflow(slug, task, metadata);
    CHECK(result != NULL);
    CHECK_KIND(result->error, MINDRA_OK);
    CHECK(result->execution_id != NULL && result->stream_url != NULL);
    if (result->error != MINDRA_OK) {
        fprintf(stderr, "run %s failed: %s\n", slug,
                result->error_message ? result->error_message : "(no message)");
    }
    return result;
}

/* Opens target on client and checks it opened. */
static MindraStream *open_ok(MindraClient *client, const char *target) {
    MindraError *error = &not_touched;
    MindraStream *stream = mindra_stream_open(client, target, &error);
    CHECK(stream != NULL);
    CHECK(error == NULL);
    if (error && error != &not_touched) {
        fprintf(stderr, "open %s: %s: %s\n", target, mindra_error_kind_name((int)error->kind),
                error->message);
        mindra_error_free(error);
    }
    return stream;
}

/* The approval id the emulator gives an approval* run: "ap_" + the execution's hex digits. */
static void approval_id_of(const char *execution_id, char *out, size_t size) {
    snprintf(out, size, "ap_%s", execution_id && strlen(execution_id) > 3 ? execution_id + 3 : "");
}

/* Checks that exactly the fields an event of its type carries are set, and that `event` and
 * `data` are never NULL. */
static void check_carried_fields(const MindraEvent *ev) {
    int t = (int)ev->type;
    int tool = t == MINDRA_EVENT_TOOL_EXECUTING || t == MINDRA_EVENT_TOOL_RESULT ||
               t == MINDRA_EVENT_APPROVAL_REQUEST;
    CHECK(ev->event != NULL);
    CHECK(ev->data != NULL);
    CHECK((ev->content != NULL) == (t == MINDRA_EVENT_CHUNK));
    CHECK((ev->tool_name != NULL) == tool);
    CHECK((ev->tool_input != NULL) ==
          (t == MINDRA_EVENT_TOOL_EXECUTING || t == MINDRA_EVENT_APPROVAL_REQUEST));
    CHECK((ev->result != NULL) == (t == MINDRA_EVENT_TOOL_RESULT));
    CHECK((ev->approval_id != NULL) == (t == MINDRA_EVENT_APPROVAL_REQUEST));
    CHECK((ev->execution_id != NULL) == (t == MINDRA_EVENT_DONE));
    CHECK((ev->status != NULL) == (t == MINDRA_EVENT_DONE));
    CHECK((ev->final_answer != NULL) == (t == MINDRA_EVENT_DONE));
}

/* Reads the next event and checks its type, event name, data (unless NULL) and id (NULL: no
 * id expected). Returns it (caller frees) or NULL when no event came. */
static MindraEvent *expect_event(MindraStream *stream, MindraEventType type, const char *name,
                                 const char *data, const char *id) {
    MindraError *error = &not_touched;
    MindraEvent *ev = mindra_stream_next(stream, &error);
    CHECK(ev != NULL);
    CHECK(error == NULL);
    if (!ev) {
        if (error && error != &not_touched) {
            fprintf(stderr, "  expected a \"%s\" event, got %s: %s\n", name,
                    mindra_error_kind_name((int)error->kind), error->message);
            mindra_error_free(error);
        } else {
            fprintf(stderr, "  expected a \"%s\" event, got the end of the stream\n", name);
        }
        return NULL;
    }
    CHECK_KIND(ev->type, type);
    CHECK_STR(ev->event, name);
    if (data) {
        CHECK_STR(ev->data, data);
    }
    if (id) {
        CHECK_STR(ev->id, id);
    } else {
        CHECK(ev->id == NULL);
    }
    check_carried_fields(ev);
    return ev;
}

static void expect_chunk(MindraStream *stream, const char *content, const char *id) {
    char data[512];
    MindraEvent *ev;
    snprintf(data, sizeof data, "{\"content\":\"%s\"}", content);
    ev = expect_event(stream, MINDRA_EVENT_CHUNK, "chunk", data, id);
    if (ev) {
        CHECK_STR(ev->content, content);
    }
    mindra_event_free(ev);
}

static void expect_tool_executing(MindraStream *stream, const char *tool, const char *input) {
    char data[512];
    MindraEvent *ev;
    snprintf(data, sizeof data, "{\"tool_name\":\"%s\",\"tool_input\":%s}", tool, input);
    ev = expect_event(stream, MINDRA_EVENT_TOOL_EXECUTING, "tool_executing", data, NULL);
    if (ev) {
        CHECK_STR(ev->tool_name, tool);
        CHECK_STR(ev->tool_input, input);
    }
    mindra_event_free(ev);
}

static void expect_tool_result(MindraStream *stream, const char *tool, const char *result) {
    char data[512];
    MindraEvent *ev;
    snprintf(data, sizeof data, "{\"tool_name\":\"%s\",\"result\":\"%s\"}", tool, result);
    ev = expect_event(stream, MINDRA_EVENT_TOOL_RESULT, "tool_result", data, NULL);
    if (ev) {
        CHECK_STR(ev->tool_name, tool);
        CHECK_STR(ev->result, result);
    }
    mindra_event_free(ev);
}

/* The approval request of an approval* run; copies its approval id into approval_id. */
static void expect_approval_request(MindraStream *stream, const char *execution_id,
                                    char *approval_id, size_t size) {
    static const char *input = "{\"to\":\"ops@example.com\",\"subject\":\"Report\"}";
    char expected_id[64], data[512];
    MindraEvent *ev;
    approval_id_of(execution_id, expected_id, sizeof expected_id);
    snprintf(data, sizeof data,
             "{\"approval_id\":\"%s\",\"tool_name\":\"send_email\",\"tool_input\":%s}",
             expected_id, input);
    ev = expect_event(stream, MINDRA_EVENT_APPROVAL_REQUEST, "approval_request", data, NULL);
    approval_id[0] = '\0';
    if (ev) {
        CHECK_STR(ev->approval_id, expected_id);
        CHECK_STR(ev->tool_name, "send_email");
        CHECK_STR(ev->tool_input, input);
        if (ev->approval_id) {
            snprintf(approval_id, size, "%s", ev->approval_id);
        }
    }
    mindra_event_free(ev);
}

static void expect_done(MindraStream *stream, const char *execution_id, const char *status,
                        const char *final_answer, const char *id) {
    char data[1024];
    MindraEvent *ev;
    snprintf(data, sizeof data, "{\"execution_id\":\"%s\",\"status\":\"%s\",\"final_answer\":\"%s\"}",
             execution_id, status, final_answer);
    ev = expect_event(stream, MINDRA_EVENT_DONE, "done", NULL, id);
    if (ev) {
        /* final_answer is compared decoded below; the data only when it needs no escaping. */
        if (!strpbrk(final_answer, "\"\\\n")) {
            CHECK_STR(ev->data, data);
        }
        CHECK_STR(ev->execution_id, execution_id);
        CHECK_STR(ev->status, status);
        CHECK_STR(ev->final_answer, final_answer);
    }
    mindra_event_free(ev);
}

/* After done: NULL with *error_out set to NULL, and the same on every later call. */
static void expect_end(MindraStream *stream) {
    int i;
    for (i = 0; i < 2; i++) {
        MindraError *error = &not_touched;
        MindraEvent *ev = mindra_stream_next(stream, &error);
        CHECK(ev == NULL);
        CHECK(error == NULL);
        mindra_event_free(ev);
        if (error && error != &not_touched) {
            fprintf(stderr, "  expected the end, got %s: %s\n",
                    mindra_error_kind_name((int)error->kind), error->message);
            mindra_error_free(error);
        }
    }
}

/* The next call fails with kind (and so does the one after it); returns the first error's
 * HTTP status. */
static int expect_error(MindraStream *stream, MindraErrorKind kind) {
    int i, status = -1;
    for (i = 0; i < 2; i++) {
        MindraError *error = NULL;
        MindraEvent *ev = mindra_stream_next(stream, &error);
        CHECK(ev == NULL);
        CHECK(error != NULL);
        if (ev) {
            fprintf(stderr, "  expected %s, got a \"%s\" event\n", mindra_error_kind_name((int)kind),
                    ev->event);
        }
        mindra_event_free(ev);
        if (error) {
            CHECK_KIND(error->kind, kind);
            CHECK(error->message != NULL && error->message[0] != '\0');
            CHECK(error->message == NULL || strstr(error->message, TEST_KEY) == NULL);
            if (i == 0) status = error->http_status;
        }
        mindra_error_free(error);
    }
    return status;
}

/* The hello stream of a run with `task` (no JSON escaping needed in it). */
static void expect_hello_stream(MindraStream *stream, const char *execution_id, const char *task) {
    char input[256];
    snprintf(input, sizeof input, "{\"query\":\"%s\"}", task);
    expect_chunk(stream, "Hello", NULL);
    expect_chunk(stream, ", ", NULL);
    expect_chunk(stream, "world!", NULL);
    expect_tool_executing(stream, "search", input);
    expect_tool_result(stream, "search", "3 results");
    expect_chunk(stream, " (found 3 results)", NULL);
    expect_done(stream, execution_id, "completed", "Hello, world!", NULL);
    expect_end(stream);
}

/* How many stream requests the emulator recorded since the last clear. */
static int recorded_stream_requests(void) {
    char *requests = emulator_requests();
    int count = count_occurrences(requests, "/stream\"");
    free(requests);
    return count;
}

/* ---------------------------------------------------------------------------------------- */

static void test_hello_stream_events_exact(void) {
    MindraClient *client = new_client();
    MindraRunResult *run = start(client, "hello", "Find the docs", "{\"user\":\"c\"}");
    MindraStream *stream = open_ok(client, run->stream_url);
    if (stream) {
        expect_hello_stream(stream, run->execution_id, "Find the docs");
    }
    mindra_stream_free(stream);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

static void test_tools_stream_events_exact(void) {
    MindraClient *client = new_client();
    MindraRunResult *run = start(client, "tools", "What is 6*7?", NULL);
    MindraStream *stream = open_ok(client, run->stream_url);
    if (stream) {
        expect_chunk(stream, "Let me calculate that.", NULL);
        expect_tool_executing(stream, "calculator", "{\"expression\":\"6*7\"}");
        expect_tool_result(stream, "calculator", "42");
        expect_chunk(stream, "The answer is 42.", NULL);
        expect_done(stream, run->execution_id, "completed", "42", NULL);
        expect_end(stream);
    }
    mindra_stream_free(stream);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

static void test_open_by_id_stream_url_and_same_origin_url(void) {
    MindraClient *client = new_client();
    char absolute[512];
    const char *targets[3];
    int i;

    for (i = 0; i < 3; i++) {
        MindraRunResult *run = start(client, "hello", "open targets", NULL);
        MindraStream *stream;
        char *requests;
        snprintf(absolute, sizeof absolute, "%s%s", emulator_url(), run->stream_url);
        targets[0] = run->execution_id;
        targets[1] = run->stream_url;
        targets[2] = absolute;
        emulator_clear_requests();
        stream = open_ok(client, targets[i]);
        if (stream) {
            expect_hello_stream(stream, run->execution_id, "open targets");
        }
        mindra_stream_free(stream);
        /* Every form calls the documented stream path. */
        requests = emulator_requests();
        CHECK(requests != NULL && strstr(requests, run->stream_url) != NULL);
        CHECK(count_occurrences(requests, "\"path\"") == 1);
        free(requests);
        mindra_run_result_free(run);
    }
    mindra_client_free(client);
}

static void test_open_refuses_other_origins(void) {
    MindraClient *client = new_client();
    MindraRunResult *run = start(client, "hello", "other origins", NULL);
    char targets[6][512];
    size_t i;
    char *requests;

    snprintf(targets[0], sizeof targets[0], "http://127.0.0.2:%d%s", emulator_port(), run->stream_url);
    snprintf(targets[1], sizeof targets[1], "https://example.com/x");
    snprintf(targets[2], sizeof targets[2], "http://127.0.0.1:%d%s", emulator_port() + 1, run->stream_url);
    snprintf(targets[3], sizeof targets[3], "https://127.0.0.1:%d%s", emulator_port(), run->stream_url);
    snprintf(targets[4], sizeof targets[4], "//127.0.0.2:%d%s", emulator_port(), run->stream_url);
    snprintf(targets[5], sizeof targets[5], "http://localhost:%d%s", emulator_port(), run->stream_url);

    emulator_clear_requests();
    for (i = 0; i < 6; i++) {
        MindraError *error = NULL;
        MindraStream *stream = mindra_stream_open(client, targets[i], &error);
        CHECK(stream == NULL);
        CHECK(error != NULL);
        if (error) {
            CHECK_KIND(error->kind, MINDRA_ERR_INVALID_ARGUMENT);
            CHECK(error->http_status == 0);
            CHECK(strstr(error->message, TEST_KEY) == NULL);
            if (error->kind != MINDRA_ERR_INVALID_ARGUMENT) fprintf(stderr, "  target %s\n", targets[i]);
        }
        mindra_error_free(error);
        mindra_stream_free(stream);
    }
    requests = emulator_requests();
    CHECK_STR(requests, "[]");
    free(requests);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

static void test_open_reports_bad_targets_and_answers(void) {
    MindraClient *client = new_client();
    /* An execution id with CR/LF is not refused: like every id it is percent-encoded into one
       path segment (see test_abuse.c); a path or URL with them is refused. */
    static const char *invalid[] = {"", ".", "..", "ex_\xff\xfe", "/api/v1/x\r\nX: y"};
    MindraError *error;
    MindraStream *stream;
    MindraRunResult *run;
    size_t i;
    char *requests;

    emulator_clear_requests();
    error = NULL;
    stream = mindra_stream_open(client, NULL, &error);
    CHECK(stream == NULL);
    CHECK(error != NULL && error->kind == MINDRA_ERR_INVALID_ARGUMENT);
    mindra_error_free(error);
    for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        error = NULL;
        stream = mindra_stream_open(client, invalid[i], &error);
        CHECK(stream == NULL);
        CHECK(error != NULL);
        if (error) CHECK_KIND(error->kind, MINDRA_ERR_INVALID_ARGUMENT);
        mindra_error_free(error);
        mindra_stream_free(stream);
    }
    requests = emulator_requests();
    CHECK_STR(requests, "[]");
    free(requests);

    error = NULL;
    stream = mindra_stream_open(client, "ex_0000000000000000", &error);
    CHECK(stream == NULL);
    CHECK(error != NULL);
    if (error) {
        CHECK_KIND(error->kind, MINDRA_ERR_NOT_FOUND);
        CHECK_STR(error->code, "EXECUTION_NOT_FOUND");
        CHECK(error->http_status == 404);
        CHECK(error->request_id != NULL && strncmp(error->request_id, "req_", 4) == 0);
    }
    mindra_error_free(error);

    run = start(client, "not-sse", "not an event stream", NULL);
    error = NULL;
    stream = mindra_stream_open(client, run->stream_url, &error);
    CHECK(stream == NULL);
    CHECK(error != NULL);
    if (error) {
        CHECK_KIND(error->kind, MINDRA_ERR_PROTOCOL);
        CHECK(error->http_status == 200);
    }
    mindra_error_free(error);
    mindra_stream_free(stream);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

static void test_stream_request_headers(void) {
    MindraClient *client = new_client();
    MindraRunResult *run = start(client, "hello", "headers", NULL);
    MindraStream *stream;
    char *requests;

    emulator_clear_requests();
    stream = open_ok(client, run->stream_url);
    if (stream) expect_hello_stream(stream, run->execution_id, "headers");
    mindra_stream_free(stream);
    requests = emulator_requests();
    CHECK(count_occurrences(requests, "\"path\"") == 1);
    CHECK(requests != NULL && strstr(requests, "\"method\":\"GET\"") != NULL);
    CHECK(requests != NULL && strstr(requests, "\"accept\":\"text/event-stream\"") != NULL);
    CHECK(requests != NULL && strstr(requests, "\"cache-control\":\"no-cache\"") != NULL);
    CHECK(requests != NULL && strstr(requests, "\"accept-encoding\":\"identity\"") != NULL);
    CHECK(requests != NULL && strstr(requests, "\"x-api-key\":\"" TEST_KEY "\"") != NULL);
    CHECK(requests != NULL && strstr(requests, "last-event-id") == NULL);
    if (requests && !strstr(requests, "\"accept-encoding\":\"identity\"")) fprintf(stderr, "%s\n", requests);
    free(requests);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

/* ---------------------------------------------------------------------------------------- */
/* Approvals */

struct decide_job {
    const MindraClient *client;
    const char *execution_id;
    const char *approval_id;
    const char *reason;
    int approve;
    int delay_ms;
    MindraErrorKind kind;
    double decided_at;
};

static void *decide_later(void *arg) {
    struct decide_job *job = (struct decide_job *)arg;
    MindraError *error = NULL;
    sleep_ms(job->delay_ms);
    job->decided_at = now_ms();
    job->kind = job->approve
                    ? mindra_approve(job->client, job->execution_id, job->approval_id, job->reason, &error)
                    : mindra_reject(job->client, job->execution_id, job->approval_id, job->reason, &error);
    if (error) {
        fprintf(stderr, "  decision failed: %s: %s\n", mindra_error_kind_name((int)error->kind),
                error->message);
    }
    mindra_error_free(error);
    return NULL;
}

/* Reads an approval run up to its approval request, then decides from a second thread after
 * 200 ms while this thread is already blocked in mindra_stream_next. */
static void decide_while_blocked(MindraClient *client, int approve, const char *reason,
                                 const char *final_answer) {
    MindraRunResult *run = start(client, "approval", "Email the weekly report", NULL);
    MindraStream *stream = open_ok(client, run->stream_url);
    char approval_id[64];
    pthread_t thread;
    struct decide_job job;
    double blocked_at;
    MindraEvent *ev;
    MindraError *error = NULL;

    if (!stream) {
        mindra_run_result_free(run);
        return;
    }
    expect_chunk(stream, "I will email the report to ops.", NULL);
    expect_approval_request(stream, run->execution_id, approval_id, sizeof approval_id);

    memset(&job, 0, sizeof job);
    job.client = client;
    job.execution_id = run->execution_id;
    job.approval_id = approval_id;
    job.reason = reason;
    job.approve = approve;
    job.delay_ms = 200;
    job.kind = MINDRA_ERR_INTERNAL;
    CHECK(pthread_create(&thread, NULL, decide_later, &job) == 0);
    blocked_at = now_ms();
    /* Blocks (keep-alive comments are not events) until the decision has been made. */
    ev = mindra_stream_next(stream, &error);
    CHECK(now_ms() - blocked_at >= 150);
    pthread_join(thread, NULL);
    CHECK_KIND(job.kind, MINDRA_OK);
    CHECK(ev != NULL && error == NULL);
    mindra_error_free(error);
    if (ev) {
        if (approve) {
            CHECK_KIND(ev->type, MINDRA_EVENT_TOOL_EXECUTING);
            CHECK_STR(ev->tool_name, "send_email");
            CHECK_STR(ev->tool_input, "{\"to\":\"ops@example.com\",\"subject\":\"Report\"}");
            check_carried_fields(ev);
        } else {
            CHECK_KIND(ev->type, MINDRA_EVENT_CHUNK);
            CHECK_STR(ev->content, "Skipped sending the email.");
            check_carried_fields(ev);
        }
    }
    mindra_event_free(ev);
    if (approve) {
        expect_tool_result(stream, "send_email", "sent");
    }
    expect_done(stream, run->execution_id, "completed", final_answer, NULL);
    expect_end(stream);
    mindra_stream_free(stream);

    /* Decided once: a second decision is refused (409). */
    error = NULL;
    CHECK_KIND(mindra_approve(client, run->execution_id, approval_id, NULL, &error), MINDRA_ERR_BAD_REQUEST);
    CHECK(error != NULL);
    if (error) {
        CHECK_KIND(error->kind, MINDRA_ERR_BAD_REQUEST);
        CHECK(error->http_status == 409);
        CHECK_STR(error->code, "APPROVAL_ALREADY_DECIDED");
    }
    mindra_error_free(error);
    mindra_run_result_free(run);
}

static void test_approve_from_another_thread(void) {
    MindraClient *client = new_client();
    char *requests;
    emulator_clear_requests();
    decide_while_blocked(client, 1, NULL, "Email sent.");
    /* reason NULL: no reason field is sent. */
    requests = emulator_requests();
    CHECK(requests != NULL && strstr(requests, "/approve/ap_") != NULL);
    CHECK(requests != NULL && strstr(requests, "reason") == NULL);
    free(requests);
    mindra_client_free(client);
}

static void test_reject_from_another_thread_with_reason(void) {
    MindraClient *client = new_client();
    char *requests;
    emulator_clear_requests();
    decide_while_blocked(client, 0, "not on a \"Friday\"\nplease",
                         "Email not sent: rejected: not on a \"Friday\"\nplease");
    requests = emulator_requests();
    CHECK(requests != NULL && strstr(requests, "/reject/ap_") != NULL);
    /* The body {"reason":"not on a \"Friday\"\nplease"} as a recorded JSON string. */
    CHECK(requests != NULL &&
          strstr(requests, "{\\\"reason\\\":\\\"not on a \\\\\\\"Friday\\\\\\\"\\\\nplease\\\"}") != NULL);
    free(requests);

    decide_while_blocked(client, 0, NULL, "Email not sent: rejected");
    mindra_client_free(client);
}

static void test_decision_before_the_stream_opens(void) {
    MindraClient *client = new_client();
    MindraRunResult *run = start(client, "approval", "approve early", NULL);
    char approval_id[64], seen[64];
    MindraError *error = &not_touched;
    MindraStream *stream;

    approval_id_of(run->execution_id, approval_id, sizeof approval_id);
    CHECK_KIND(mindra_approve(client, run->execution_id, approval_id, "ok", &error), MINDRA_OK);
    CHECK(error == NULL);
    stream = open_ok(client, run->execution_id);
    if (stream) {
        expect_chunk(stream, "I will email the report to ops.", NULL);
        expect_approval_request(stream, run->execution_id, seen, sizeof seen);
        CHECK_STR(seen, approval_id);
        expect_tool_executing(stream, "send_email", "{\"to\":\"ops@example.com\",\"subject\":\"Report\"}");
        expect_tool_result(stream, "send_email", "sent");
        expect_done(stream, run->execution_id, "completed", "Email sent.", NULL);
        expect_end(stream);
    }
    mindra_stream_free(stream);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

static void test_approval_expires(void) {
    MindraClient *client = new_client();
    MindraRunResult *run = start(client, "approval-expires", "expire me", "{\"expire_ms\":300}");
    MindraStream *stream = open_ok(client, run->stream_url);
    char approval_id[64];
    MindraError *error;
    int i;

    if (stream) {
        expect_chunk(stream, "I will email the report to ops.", NULL);
        expect_approval_request(stream, run->execution_id, approval_id, sizeof approval_id);
        expect_done(stream, run->execution_id, "failed", "Approval expired.", NULL);
        expect_end(stream);
    }
    mindra_stream_free(stream);
    approval_id_of(run->execution_id, approval_id, sizeof approval_id);
    for (i = 0; i < 2; i++) {
        error = NULL;
        CHECK_KIND(i == 0 ? mindra_approve(client, run->execution_id, approval_id, NULL, &error)
                          : mindra_reject(client, run->execution_id, approval_id, "late", &error),
                   MINDRA_ERR_BAD_REQUEST);
        CHECK(error != NULL);
        if (error) {
            CHECK_KIND(error->kind, MINDRA_ERR_BAD_REQUEST);
            CHECK_STR(error->code, "APPROVAL_EXPIRED");
            CHECK(error->http_status == 400);
            CHECK(error->request_id != NULL);
            CHECK(error->message != NULL && error->message[0] != '\0');
        }
        mindra_error_free(error);
    }
    mindra_run_result_free(run);
    mindra_client_free(client);
}

static void test_approval_errors(void) {
    MindraClient *client = new_client();
    MindraRunResult *run = start(client, "approval", "approval errors", NULL);
    static const char *bad_ids[] = {NULL, "", ".", "..", "ap_\xff"};
    MindraError *error;
    size_t i;
    char *requests;
    char approval_id[64];

    /* Unknown approval of a known execution. */
    error = NULL;
    CHECK_KIND(mindra_approve(client, run->execution_id, "ap_unknown", NULL, &error), MINDRA_ERR_NOT_FOUND);
    CHECK(error != NULL);
    if (error) {
        CHECK_KIND(error->kind, MINDRA_ERR_NOT_FOUND);
        CHECK_STR(error->code, "APPROVAL_NOT_FOUND");
        CHECK(error->http_status == 404);
    }
    mindra_error_free(error);
    error = NULL;
    CHECK_KIND(mindra_reject(client, run->execution_id, "ap_unknown", "why", &error), MINDRA_ERR_NOT_FOUND);
    CHECK(error != NULL && error->code != NULL && strcmp(error->code, "APPROVAL_NOT_FOUND") == 0);
    mindra_error_free(error);

    /* Unknown execution. */
    error = NULL;
    CHECK_KIND(mindra_approve(client, "ex_0000000000000000", "ap_0000000000000000", NULL, &error),
               MINDRA_ERR_NOT_FOUND);
    CHECK(error != NULL && error->code != NULL && strcmp(error->code, "EXECUTION_NOT_FOUND") == 0);
    mindra_error_free(error);

    /* An id is one encoded path segment. */
    emulator_clear_requests();
    error = NULL;
    CHECK_KIND(mindra_approve(client, run->execution_id, "ap/../x?y", NULL, &error), MINDRA_ERR_NOT_FOUND);
    mindra_error_free(error);
    requests = emulator_requests();
    CHECK(requests != NULL && strstr(requests, "/approve/ap%2F..%2Fx%3Fy\"") != NULL);
    free(requests);

    /* Unusable ids and reasons are refused before anything is sent. */
    emulator_clear_requests();
    approval_id_of(run->execution_id, approval_id, sizeof approval_id);
    for (i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        int decision;
        for (decision = 0; decision < 2; decision++) {
            MindraErrorKind kind;
            error = NULL;
            kind = decision ? mindra_approve(client, run->execution_id, bad_ids[i], NULL, &error)
                            : mindra_reject(client, run->execution_id, bad_ids[i], "r", &error);
            CHECK_KIND(kind, MINDRA_ERR_INVALID_ARGUMENT);
            CHECK(error != NULL && error->kind == MINDRA_ERR_INVALID_ARGUMENT);
            mindra_error_free(error);
            error = NULL;
            kind = decision ? mindra_approve(client, bad_ids[i], approval_id, NULL, &error)
                            : mindra_reject(client, bad_ids[i], approval_id, NULL, &error);
            CHECK_KIND(kind, MINDRA_ERR_INVALID_ARGUMENT);
            CHECK(error != NULL && error->kind == MINDRA_ERR_INVALID_ARGUMENT);
            mindra_error_free(error);
        }
    }
    error = NULL;
    CHECK_KIND(mindra_reject(client, run->execution_id, approval_id, "bad \xff reason", &error),
               MINDRA_ERR_INVALID_ARGUMENT);
    mindra_error_free(error);
    /* error_out NULL */
    CHECK_KIND(mindra_approve(client, NULL, NULL, NULL, NULL), MINDRA_ERR_INVALID_ARGUMENT);
    CHECK_KIND(mindra_reject(client, "..", approval_id, NULL, NULL), MINDRA_ERR_INVALID_ARGUMENT);
    requests = emulator_requests();
    CHECK_STR(requests, "[]");
    free(requests);

    /* The approval is still pending and decidable. */
    error = &not_touched;
    CHECK_KIND(mindra_reject(client, run->execution_id, approval_id, NULL, &error), MINDRA_OK);
    CHECK(error == NULL);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

/* ---------------------------------------------------------------------------------------- */
/* Cancellation */

struct cancel_job {
    const MindraStream *stream;
    int delay_ms;
    double cancelled_at;
};

static void *cancel_later(void *arg) {
    struct cancel_job *job = (struct cancel_job *)arg;
    sleep_ms(job->delay_ms);
    job->cancelled_at = now_ms();
    mindra_stream_cancel(job->stream);
    mindra_stream_cancel(job->stream); /* twice is harmless */
    return NULL;
}

/* Blocks in mindra_stream_next while another thread cancels after 300 ms. */
static void cancel_while_blocked(MindraStream *stream) {
    struct cancel_job job;
    pthread_t thread;
    MindraError *error = NULL;
    MindraEvent *ev;
    double started, returned;

    memset(&job, 0, sizeof job);
    job.stream = stream;
    job.delay_ms = 300;
    CHECK(pthread_create(&thread, NULL, cancel_later, &job) == 0);
    started = now_ms();
    ev = mindra_stream_next(stream, &error);
    returned = now_ms();
    pthread_join(thread, NULL);
    CHECK(ev == NULL);
    CHECK(error != NULL);
    if (ev) fprintf(stderr, "  got a \"%s\" event instead of blocking\n", ev->event);
    mindra_event_free(ev);
    if (error) {
        CHECK_KIND(error->kind, MINDRA_ERR_CANCELLED);
        CHECK(error->http_status == 0);
    }
    mindra_error_free(error);
    CHECK(returned - started >= 250); /* it really was blocked */
    CHECK(returned - job.cancelled_at < 100);
    fprintf(stderr, "  next returned %.1f ms after the cancel\n", returned - job.cancelled_at);
    expect_error(stream, MINDRA_ERR_CANCELLED);
    mindra_stream_cancel(stream);
    expect_error(stream, MINDRA_ERR_CANCELLED);
}

static void test_cancel_while_blocked_on_keepalive(void) {
    MindraClient *client = new_client();
    MindraRunResult *run = start(client, "keepalive", "cancel me", "{\"pause_ms\": 60000}");
    MindraStream *stream = open_ok(client, run->stream_url);
    if (stream) cancel_while_blocked(stream);
    mindra_stream_free(stream);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

static void test_cancel_while_waiting_for_approval(void) {
    MindraClient *client = new_client();
    MindraRunResult *run = start(client, "approval", "cancel the approval wait", NULL);
    MindraStream *stream = open_ok(client, run->stream_url);
    char approval_id[64];
    if (stream) {
        expect_chunk(stream, "I will email the report to ops.", NULL);
        expect_approval_request(stream, run->execution_id, approval_id, sizeof approval_id);
        cancel_while_blocked(stream);
    }
    mindra_stream_free(stream);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

static void test_cancel_before_next(void) {
    MindraClient *client = new_client();
    MindraRunResult *run = start(client, "hello", "cancel first", NULL);
    MindraStream *stream = open_ok(client, run->stream_url);
    mindra_stream_cancel(NULL); /* a no-op */
    if (stream) {
        mindra_stream_cancel(stream);
        expect_error(stream, MINDRA_ERR_CANCELLED);
    }
    mindra_stream_free(stream);
    mindra_run_result_free(run);

    /* A cancel after done changes nothing: the stream stays ended without error. */
    run = start(client, "hello", "cancel after done", NULL);
    stream = open_ok(client, run->stream_url);
    if (stream) {
        expect_hello_stream(stream, run->execution_id, "cancel after done");
        mindra_stream_cancel(stream);
        mindra_stream_free(stream);
    }
    mindra_run_result_free(run);
    mindra_client_free(client);
}

/* ---------------------------------------------------------------------------------------- */
/* Timeouts */

static void test_keepalive_resets_the_idle_timeout(void) {
    MindraClient *client = new_client();
    MindraRunResult *run;
    MindraStream *stream;
    double started;

    CHECK_KIND(mindra_client_set_timeout_ms(client, 500), MINDRA_OK);
    run = start(client, "keepalive", "stay alive", "{\"pause_ms\": 1500}");
    stream = open_ok(client, run->stream_url);
    started = now_ms();
    if (stream) {
        expect_chunk(stream, "Still here.", NULL);
        CHECK(now_ms() - started >= 1000); /* the pause really was longer than the timeout */
        expect_done(stream, run->execution_id, "completed", "Still here.", NULL);
        expect_end(stream);
    }
    mindra_stream_free(stream);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

static void test_silence_times_out(void) {
    MindraClient *client = new_client();
    MindraRunResult *run;
    MindraStream *stream;
    double started, elapsed;

    CHECK_KIND(mindra_client_set_timeout_ms(client, 300), MINDRA_OK);
    run = start(client, "slow-stream", "think slowly", "{\"silence_ms\": 5000}");
    stream = open_ok(client, run->stream_url);
    if (stream) {
        expect_chunk(stream, "Thinking...", NULL);
        started = now_ms();
        CHECK(expect_error(stream, MINDRA_ERR_TIMEOUT) == 0);
        elapsed = now_ms() - started;
        CHECK(elapsed >= 250);
        CHECK(elapsed < 2000);
        fprintf(stderr, "  timed out after %.0f ms of silence (timeout 300 ms)\n", elapsed);
    }
    mindra_stream_free(stream);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

/* ---------------------------------------------------------------------------------------- */
/* Drops and reconnection */

static void test_drop_without_ids_is_transport(void) {
    MindraClient *client = new_client();
    MindraRunResult *run = start(client, "drop-no-ids", "break", NULL);
    MindraStream *stream;
    emulator_clear_requests();
    stream = open_ok(client, run->stream_url);
    if (stream) {
        expect_chunk(stream, "This stream ", NULL);
        expect_chunk(stream, "will break.", NULL);
        CHECK(expect_error(stream, MINDRA_ERR_TRANSPORT) == 0);
    }
    mindra_stream_free(stream);
    CHECK(recorded_stream_requests() == 1); /* no ids: never resumed */
    mindra_run_result_free(run);
    mindra_client_free(client);
}

static void expect_part(MindraStream *stream, int n) {
    char content[16], id[16];
    snprintf(content, sizeof content, "part%d", n);
    snprintf(id, sizeof id, "%d", n);
    expect_chunk(stream, content, id);
}

static void test_drop_with_ids_resumes_once(void) {
    MindraClient *client = new_client();
    MindraRunResult *run = start(client, "drop-with-ids", "resume", NULL);
    MindraStream *stream;
    char *requests;
    int n;

    emulator_clear_requests();
    stream = open_ok(client, run->stream_url);
    if (stream) {
        for (n = 1; n <= 5; n++) expect_part(stream, n);
        expect_done(stream, run->execution_id, "completed", "part1part2part3part4part5", "6");
        expect_end(stream);
    }
    mindra_stream_free(stream);
    requests = emulator_requests();
    CHECK(count_occurrences(requests, "/stream\"") == 2);
    CHECK(count_occurrences(requests, "\"last-event-id\":\"3\"") == 1);
    CHECK(count_occurrences(requests, "last-event-id") == 1);
    free(requests);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

static void test_reconnection_gives_up_after_five_attempts(void) {
    MindraClient *client = new_client();
    MindraRunResult *run;
    MindraStream *stream;
    char *requests;
    int n;

    /* Every connection is cut; the first sends events 1..5, the next ones nothing new. The
     * stream reconnects 5 times (backoff 100, 200, 400, 800, 1600 ms) and then gives up. */
    run = start(client, "drop-with-ids", "give up", "{\"drops\": 10, \"drop_after\": 5}");
    emulator_clear_requests();
    stream = open_ok(client, run->stream_url);
    if (stream) {
        for (n = 1; n <= 5; n++) expect_part(stream, n);
        expect_error(stream, MINDRA_ERR_TRANSPORT);
    }
    mindra_stream_free(stream);
    requests = emulator_requests();
    CHECK(count_occurrences(requests, "/stream\"") == 1 + 5);
    CHECK(count_occurrences(requests, "\"last-event-id\":\"5\"") == 5);
    if (count_occurrences(requests, "/stream\"") != 6) fprintf(stderr, "%s\n", requests);
    free(requests);
    mindra_run_result_free(run);

    /* drop_after 0: the cut connection sent no event and so no id, so there is nothing to
     * resume from: TRANSPORT at once, after the one request. */
    run = start(client, "drop-with-ids", "nothing to resume", "{\"drops\": 10, \"drop_after\": 0}");
    emulator_clear_requests();
    stream = open_ok(client, run->stream_url);
    if (stream) expect_error(stream, MINDRA_ERR_TRANSPORT);
    mindra_stream_free(stream);
    CHECK(recorded_stream_requests() == 1);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

static void test_reconnection_refused(void) {
    MindraClient *client = new_client();
    MindraRunResult *run;
    MindraStream *stream;
    char *requests;
    int n;

    /* 204 is the server's "stop": TRANSPORT. */
    run = start(client, "drop-with-ids", "stop", "{\"reconnect_status\": 204}");
    emulator_clear_requests();
    stream = open_ok(client, run->stream_url);
    if (stream) {
        for (n = 1; n <= 3; n++) expect_part(stream, n);
        CHECK(expect_error(stream, MINDRA_ERR_TRANSPORT) == 204);
    }
    mindra_stream_free(stream);
    requests = emulator_requests();
    CHECK(count_occurrences(requests, "/stream\"") == 2);
    CHECK(count_occurrences(requests, "\"last-event-id\":\"3\"") == 1);
    free(requests);
    mindra_run_result_free(run);

    /* An error status on reconnection: the HTTP kind of that status. */
    run = start(client, "drop-with-ids", "refused", "{\"reconnect_status\": 404}");
    stream = open_ok(client, run->stream_url);
    if (stream) {
        MindraError *error = NULL;
        for (n = 1; n <= 3; n++) expect_part(stream, n);
        CHECK(mindra_stream_next(stream, &error) == NULL);
        CHECK(error != NULL);
        if (error) {
            CHECK_KIND(error->kind, MINDRA_ERR_NOT_FOUND);
            CHECK(error->http_status == 404);
            CHECK_STR(error->code, "RECONNECT_REFUSED");
        }
        mindra_error_free(error);
        expect_error(stream, MINDRA_ERR_NOT_FOUND);
    }
    mindra_stream_free(stream);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

static void test_max_reconnects_zero(void) {
    MindraClient *client = new_client();
    MindraRunResult *run;
    MindraStream *stream;
    int n;

    CHECK_KIND(mindra_client_set_max_reconnects(NULL, 0), MINDRA_ERR_INVALID_ARGUMENT);
    CHECK_KIND(mindra_client_set_max_reconnects(client, 0), MINDRA_OK);
    run = start(client, "drop-with-ids", "no reconnects", NULL);
    emulator_clear_requests();
    stream = open_ok(client, run->stream_url);
    if (stream) {
        for (n = 1; n <= 3; n++) expect_part(stream, n);
        expect_error(stream, MINDRA_ERR_TRANSPORT);
    }
    mindra_stream_free(stream);
    CHECK(recorded_stream_requests() == 1);
    mindra_run_result_free(run);

    /* Back to 1: one reconnection is enough for the default single drop. */
    CHECK_KIND(mindra_client_set_max_reconnects(client, 1), MINDRA_OK);
    run = start(client, "drop-with-ids", "one reconnect", NULL);
    stream = open_ok(client, run->stream_url);
    if (stream) {
        for (n = 1; n <= 5; n++) expect_part(stream, n);
        expect_done(stream, run->execution_id, "completed", "part1part2part3part4part5", "6");
        expect_end(stream);
    }
    mindra_stream_free(stream);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

/* ---------------------------------------------------------------------------------------- */

static void test_unknown_event_is_other(void) {
    MindraClient *client = new_client();
    MindraRunResult *run = start(client, "unknown-event", "heartbeat", NULL);
    MindraStream *stream = open_ok(client, run->stream_url);
    if (stream) {
        MindraEvent *ev;
        expect_chunk(stream, "Before the heartbeat.", NULL);
        ev = expect_event(stream, MINDRA_EVENT_OTHER, "heartbeat", "{}", NULL);
        mindra_event_free(ev);
        expect_chunk(stream, "After the heartbeat.", NULL);
        expect_done(stream, run->execution_id, "completed", "Survived an unknown event.", NULL);
        expect_end(stream);
    }
    mindra_stream_free(stream);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

static void test_done_while_the_server_keeps_the_socket_open(void) {
    MindraClient *client = new_client();
    MindraRunResult *run = start(client, "done-keep-open", "stay open", NULL);
    double started = now_ms(), after_done;
    MindraStream *stream = open_ok(client, run->stream_url);
    if (stream) {
        expect_chunk(stream, "All done.", NULL);
        expect_done(stream, run->execution_id, "completed", "All done.", NULL);
        after_done = now_ms();
        CHECK(after_done - started < 2000);
        expect_end(stream);
        CHECK(now_ms() - after_done < 500);
    }
    mindra_stream_free(stream);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

static void test_many_events(void) {
    /* 100000 events take about 7 s under valgrind (the C99 build) and ~0.1 s plainly, so
     * both builds use the full count. */
    const long events = 100000;
    MindraClient *client = new_client();
    char metadata[64], answer[64];
    MindraRunResult *run;
    MindraStream *stream;
    long chunks = 0, bad = 0, other = 0;
    double started, elapsed;
    MindraEvent *ev;
    MindraError *error = NULL;
    char content[65];

    memset(content, 'x', 64);
    content[64] = '\0';
    snprintf(metadata, sizeof metadata, "{\"events\": %ld}", events);
    snprintf(answer, sizeof answer, "%ld chunks sent", events);
    run = start(client, "many-events", "many", metadata);
    started = now_ms();
    stream = open_ok(client, run->stream_url);
    if (stream) {
        while ((ev = mindra_stream_next(stream, &error)) != NULL) {
            if (ev->type == MINDRA_EVENT_CHUNK) {
                chunks++;
                if (!ev->content || strcmp(ev->content, content) != 0 || ev->id) bad++;
            } else if (ev->type == MINDRA_EVENT_DONE) {
                CHECK_STR(ev->final_answer, answer);
                CHECK_STR(ev->execution_id, run->execution_id);
                mindra_event_free(ev);
                break;
            } else {
                other++;
            }
            mindra_event_free(ev);
        }
        elapsed = now_ms() - started;
        CHECK(error == NULL);
        mindra_error_free(error);
        CHECK(chunks == events);
        CHECK(bad == 0);
        CHECK(other == 0);
        expect_end(stream);
        fprintf(stderr, "  %ld chunks + done in %.0f ms: %.0f events/s\n", chunks, elapsed,
                (double)(chunks + 1) * 1000.0 / (elapsed > 0 ? elapsed : 1));
    }
    mindra_stream_free(stream);
    mindra_run_result_free(run);
    mindra_client_free(client);
}

#define CONCURRENT_STREAMS 100
#define READER_THREADS 10

struct reader_job {
    MindraStream **streams;
    MindraRunResult **runs;
    int first, count;
    int completed;
    int events;
};

static void *read_streams(void *arg) {
    struct reader_job *job = (struct reader_job *)arg;
    int i;
    for (i = job->first; i < job->first + job->count; i++) {
        MindraError *error = NULL;
        MindraEvent *ev;
        int done = 0;
        while ((ev = mindra_stream_next(job->streams[i], &error)) != NULL) {
            job->events++;
            if (ev->type == MINDRA_EVENT_DONE && ev->execution_id &&
                strcmp(ev->execution_id, job->runs[i]->execution_id) == 0 && ev->final_answer &&
                strcmp(ev->final_answer, "Hello, world!") == 0) {
                done = 1;
            }
            mindra_event_free(ev);
        }
        if (done && error == NULL) job->completed++;
        mindra_error_free(error);
    }
    return NULL;
}

static void test_hundred_concurrent_streams_on_one_client(void) {
    MindraClient *client = new_client();
    MindraRunResult *runs[CONCURRENT_STREAMS];
    MindraStream *streams[CONCURRENT_STREAMS];
    pthread_t threads[READER_THREADS];
    struct reader_job jobs[READER_THREADS];
    int i, opened = 0, completed = 0, events = 0;
    long connections_before, connections_after;

    for (i = 0; i < CONCURRENT_STREAMS; i++) {
        runs[i] = mindra_client_run_workflow(client, "hello", "concurrent", NULL);
    }
    connections_before = emulator_connections();
    /* All open at once before any is read. */
    for (i = 0; i < CONCURRENT_STREAMS; i++) {
        streams[i] = runs[i]->error == MINDRA_OK ? mindra_stream_open(client, runs[i]->stream_url, NULL) : NULL;
        opened += streams[i] != NULL;
    }
    CHECK(opened == CONCURRENT_STREAMS);
    /* Each open stream holds a connection of its own (the stats call adds one). */
    connections_after = emulator_connections();
    CHECK(connections_after - connections_before == CONCURRENT_STREAMS + 1);
    for (i = 0; i < READER_THREADS; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].streams = streams;
        jobs[i].runs = runs;
        jobs[i].first = i * (CONCURRENT_STREAMS / READER_THREADS);
        jobs[i].count = CONCURRENT_STREAMS / READER_THREADS;
        CHECK(pthread_create(&threads[i], NULL, read_streams, &jobs[i]) == 0);
    }
    for (i = 0; i < READER_THREADS; i++) {
        pthread_join(threads[i], NULL);
        completed += jobs[i].completed;
        events += jobs[i].events;
    }
    CHECK(completed == CONCURRENT_STREAMS);
    CHECK(events == 7 * CONCURRENT_STREAMS);
    for (i = 0; i < CONCURRENT_STREAMS; i++) {
        mindra_stream_free(streams[i]);
        mindra_run_result_free(runs[i]);
    }
    mindra_client_free(client);
}

static void test_default_client(void) {
    MindraRunResult *run = start(NULL, "hello", "default client", NULL);
    MindraStream *stream = open_ok(NULL, run->stream_url);
    char approval_id[64], seen[64];
    MindraError *error;
    if (stream) expect_hello_stream(stream, run->execution_id, "default client");
    mindra_stream_free(stream);
    mindra_run_result_free(run);

    run = start(NULL, "approval", "default approve", NULL);
    approval_id_of(run->execution_id, approval_id, sizeof approval_id);
    error = &not_touched;
    CHECK_KIND(mindra_approve(NULL, run->execution_id, approval_id, NULL, &error), MINDRA_OK);
    CHECK(error == NULL);
    stream = open_ok(NULL, run->execution_id);
    if (stream) {
        expect_chunk(stream, "I will email the report to ops.", NULL);
        expect_approval_request(stream, run->execution_id, seen, sizeof seen);
        expect_tool_executing(stream, "send_email", "{\"to\":\"ops@example.com\",\"subject\":\"Report\"}");
        expect_tool_result(stream, "send_email", "sent");
        expect_done(stream, run->execution_id, "completed", "Email sent.", NULL);
        expect_end(stream);
    }
    mindra_stream_free(stream);
    mindra_run_result_free(run);

    run = start(NULL, "approval", "default reject", NULL);
    approval_id_of(run->execution_id, approval_id, sizeof approval_id);
    CHECK_KIND(mindra_reject(NULL, run->execution_id, approval_id, "no", NULL), MINDRA_OK);
    stream = open_ok(NULL, run->stream_url);
    if (stream) {
        expect_chunk(stream, "I will email the report to ops.", NULL);
        expect_approval_request(stream, run->execution_id, seen, sizeof seen);
        expect_chunk(stream, "Skipped sending the email.", NULL);
        expect_done(stream, run->execution_id, "completed", "Email not sent: rejected: no", NULL);
        expect_end(stream);
    }
    mindra_stream_free(stream);
    mindra_run_result_free(run);
}

static void test_null_arguments(void) {
    MindraClient *client = new_client();
    MindraError *error = NULL;
    MindraRunResult *run;
    MindraStream *stream;
    MindraEvent *ev;
    int events = 0;

    CHECK(mindra_stream_next(NULL, &error) == NULL);
    CHECK(error != NULL);
    if (error) {
        CHECK_KIND(error->kind, MINDRA_ERR_INVALID_ARGUMENT);
        CHECK(error->message != NULL);
    }
    mindra_error_free(error);
    CHECK(mindra_stream_next(NULL, NULL) == NULL);
    CHECK(mindra_stream_open(client, NULL, NULL) == NULL);
    CHECK(mindra_stream_open(client, "..", NULL) == NULL);
    CHECK(mindra_stream_open(client, "ex_0000000000000000", NULL) == NULL);

    /* A whole stream, and its errors, with error_out NULL. */
    run = start(client, "hello", "no details wanted", NULL);
    stream = mindra_stream_open(client, run->stream_url, NULL);
    CHECK(stream != NULL);
    while ((ev = mindra_stream_next(stream, NULL)) != NULL) {
        events++;
        mindra_event_free(ev);
    }
    CHECK(events == 7);
    CHECK(mindra_stream_next(stream, NULL) == NULL);
    mindra_stream_free(stream);
    mindra_run_result_free(run);

    run = start(client, "drop-no-ids", "no details on failure", NULL);
    stream = mindra_stream_open(client, run->stream_url, NULL);
    CHECK(stream != NULL);
    events = 0;
    while ((ev = mindra_stream_next(stream, NULL)) != NULL) {
        events++;
        mindra_event_free(ev);
    }
    CHECK(events == 2);
    mindra_stream_cancel(stream);
    CHECK(mindra_stream_next(stream, NULL) == NULL);
    mindra_stream_free(stream);
    mindra_run_result_free(run);

    mindra_stream_cancel(NULL);
    mindra_stream_free(NULL);
    mindra_event_free(NULL);
    mindra_error_free(NULL);
    mindra_run_result_free(NULL);
    mindra_client_free(NULL);
    mindra_client_free(client);
}

int main(void) {
    RUN(test_hello_stream_events_exact);
    RUN(test_tools_stream_events_exact);
    RUN(test_open_by_id_stream_url_and_same_origin_url);
    RUN(test_open_refuses_other_origins);
    RUN(test_open_reports_bad_targets_and_answers);
    RUN(test_stream_request_headers);
    RUN(test_approve_from_another_thread);
    RUN(test_reject_from_another_thread_with_reason);
    RUN(test_decision_before_the_stream_opens);
    RUN(test_approval_expires);
    RUN(test_approval_errors);
    RUN(test_cancel_while_blocked_on_keepalive);
    RUN(test_cancel_while_waiting_for_approval);
    RUN(test_cancel_before_next);
    RUN(test_keepalive_resets_the_idle_timeout);
    RUN(test_silence_times_out);
    RUN(test_drop_without_ids_is_transport);
    RUN(test_drop_with_ids_resumes_once);
    RUN(test_reconnection_gives_up_after_five_attempts);
    RUN(test_reconnection_refused);
    RUN(test_max_reconnects_zero);
    RUN(test_unknown_event_is_other);
    RUN(test_done_while_the_server_keeps_the_socket_open);
    RUN(test_many_events);
    RUN(test_hundred_concurrent_streams_on_one_client);
    RUN(test_default_client);
    RUN(test_null_arguments);
    return harness_finish();
}
