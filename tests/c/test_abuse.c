/*
 * Abuse of the C API: every function with every combination of NULL pointer arguments,
 * invalid UTF-8 and CR/LF in every string argument, 10 MB arguments, metadata nested deeper
 * than any parser's stack, and mindra_stream_next called again and again after done, after
 * a cancel and after an error. Each call must give its documented result; valgrind (which
 * runs this test) sees no invalid access and no leak. Double frees are undefined behaviour
 * by the contract and are not tried.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "harness.h"

/* A pointer that is not the library's: a call that must store NULL is seen to have. */
static MindraError not_touched;

/* Checks an error_out result: NULL on success, else an owned error of `expected`. */
static void check_error_out(MindraError *error, MindraErrorKind expected) {
    if (expected == MINDRA_OK) {
        CHECK(error == NULL);
        return;
    }
    CHECK(error != NULL && error != &not_touched);
    if (error && error != &not_touched) {
        CHECK_KIND(error->kind, expected);
        CHECK(error->message != NULL && error->message[0] != '\0');
        CHECK(strstr(error->message, TEST_KEY) == NULL);
        mindra_error_free(error);
    }
}

static MindraClient *new_client(void) {
    MindraClient *client = mindra_client_new(TEST_KEY, emulator_url(), NULL);
    CHECK(client != NULL);
    if (client) CHECK_KIND(mindra_client_set_timeout_ms(client, 10000), MINDRA_OK);
    return client;
}

/* Starts an approval run; its approval id is "ap_" + the execution id's hex digits. */
static int start_approval(MindraClient *client, char *execution_id, char *approval_id, size_t size) {
    MindraRunResult *run = mindra_client_run_workflow(client, "approval", "abuse", NULL);
    int ok = run->error == MINDRA_OK && run->execution_id && strlen(run->execution_id) < size;
    CHECK(ok);
    if (ok) {
        strcpy(execution_id, run->execution_id);
        snprintf(approval_id, size, "ap_%s", run->execution_id + 3);
    }
    mindra_run_result_free(run);
    return ok;
}

/* ---- every pointer argument NULL, in every combination ---- */

static void test_null_frees_and_setters(void) {
    mindra_run_result_free(NULL);
    mindra_error_free(NULL);
    mindra_client_free(NULL);
    mindra_stream_free(NULL);
    mindra_event_free(NULL);
    mindra_stream_cancel(NULL);
    CHECK_KIND(mindra_client_set_timeout_ms(NULL, 0), MINDRA_ERR_INVALID_ARGUMENT);
    CHECK_KIND(mindra_client_set_max_retries(NULL, 0), MINDRA_ERR_INVALID_ARGUMENT);
    CHECK_KIND(mindra_client_set_max_reconnects(NULL, 0), MINDRA_ERR_INVALID_ARGUMENT);
    CHECK(mindra_version() != NULL);
    CHECK(mindra_error_kind_name(-2147483647 - 1) != NULL);
}

static void test_client_new_null_combinations(void) {
    int mask, with_env;
    char *saved_key = strdup(getenv("MINDRA_API_KEY"));
    for (with_env = 1; with_env >= 0; with_env--) {
        if (!with_env) unsetenv("MINDRA_API_KEY");
        for (mask = 0; mask < 8; mask++) {
            const char *key = (mask & 1) ? TEST_KEY : NULL;
            const char *url = (mask & 2) ? emulator_url() : NULL;
            int want_error = mask & 4;
            MindraError *error = &not_touched;
            MindraClient *client = mindra_client_new(key, url, want_error ? &error : NULL);
            /* NULL key reads MINDRA_API_KEY, NULL URL reads MINDRA_BASE_URL (set). */
            MindraErrorKind expected = (!key && !with_env) ? MINDRA_ERR_CONFIG : MINDRA_OK;
            CHECK((client != NULL) == (expected == MINDRA_OK));
            if (want_error) {
                check_error_out(error, expected);
            } else {
                CHECK(error == &not_touched);
            }
            mindra_client_free(client);
        }
    }
    setenv("MINDRA_API_KEY", saved_key, 1);
    free(saved_key);
}

static void test_run_null_combinations(void) {
    MindraClient *client = new_client();
    int mask;
    for (mask = 0; mask < 16; mask++) {
        const char *slug = (mask & 1) ? "hello" : NULL;
        const char *task = (mask & 2) ? "null combinations" : NULL;
        const char *metadata = (mask & 4) ? "{\"m\":1}" : NULL;
        MindraRunResult *result = (mask & 8) ? mindra_client_run_workflow(client, slug, task, metadata)
                                             : mindra_client_run_workflow(NULL, slug, task, metadata);
        MindraErrorKind expected = (slug && task) ? MINDRA_OK : MINDRA_ERR_INVALID_ARGUMENT;
        CHECK(result != NULL);
        if (!result) continue;
        CHECK_KIND(result->error, expected);
        CHECK((result->error_message == NULL) == (expected == MINDRA_OK));
        CHECK((result->execution_id != NULL) == (expected == MINDRA_OK));
        mindra_run_result_free(result);
        if (!(mask & 8)) {
            result = mindra_run_workflow(slug, task, metadata);
            CHECK_KIND(result->error, expected);
            mindra_run_result_free(result);
        }
    }
    mindra_client_free(client);
}

static void test_stream_null_combinations(void) {
    MindraClient *client = new_client();
    MindraRunResult *run = mindra_client_run_workflow(client, "hello", "streams", NULL);
    int mask;
    CHECK_KIND(run->error, MINDRA_OK);
    for (mask = 0; mask < 8 && run->error == MINDRA_OK; mask++) {
        const MindraClient *which = (mask & 1) ? client : NULL;
        const char *target = (mask & 2) ? run->stream_url : NULL;
        int want_error = mask & 4;
        MindraError *error = &not_touched;
        MindraStream *stream = mindra_stream_open(which, target, want_error ? &error : NULL);
        MindraErrorKind expected = target ? MINDRA_OK : MINDRA_ERR_INVALID_ARGUMENT;
        CHECK((stream != NULL) == (expected == MINDRA_OK));
        if (want_error) {
            check_error_out(error, expected);
        } else {
            CHECK(error == &not_touched);
        }
        if (stream) {
            /* next with error_out NULL, and with it */
            MindraEvent *event = mindra_stream_next(stream, NULL);
            CHECK(event != NULL);
            mindra_event_free(event);
            error = &not_touched;
            event = mindra_stream_next(stream, &error);
            CHECK(event != NULL && error == NULL);
            mindra_event_free(event);
        }
        mindra_stream_cancel(stream);
        mindra_stream_free(stream);
    }
    /* A NULL stream: NULL, INVALID_ARGUMENT, with or without error_out. */
    {
        MindraError *error = &not_touched;
        CHECK(mindra_stream_next(NULL, NULL) == NULL);
        CHECK(mindra_stream_next(NULL, &error) == NULL);
        check_error_out(error, MINDRA_ERR_INVALID_ARGUMENT);
    }
    mindra_run_result_free(run);
    mindra_client_free(client);
}

static void test_approve_reject_null_combinations(void) {
    MindraClient *client = new_client();
    char execution_id[64], approval_id[64];
    int mask, approve;
    for (approve = 1; approve >= 0; approve--) {
        for (mask = 0; mask < 32; mask++) {
            const MindraClient *which = (mask & 1) ? client : NULL;
            int ids = (mask & 6) == 6;
            const char *reason = (mask & 8) ? "because" : NULL;
            int want_error = mask & 16;
            MindraError *error = &not_touched;
            MindraErrorKind kind, expected = ids ? MINDRA_OK : MINDRA_ERR_INVALID_ARGUMENT;
            /* A fresh, pending approval whenever the call can reach the server. */
            if (!start_approval(client, execution_id, approval_id, sizeof execution_id)) continue;
            if (approve) {
                kind = mindra_approve(which, (mask & 2) ? execution_id : NULL, (mask & 4) ? approval_id : NULL,
                                      reason, want_error ? &error : NULL);
            } else {
                kind = mindra_reject(which, (mask & 2) ? execution_id : NULL, (mask & 4) ? approval_id : NULL,
                                     reason, want_error ? &error : NULL);
            }
            CHECK_KIND(kind, expected);
            if (want_error) {
                check_error_out(error, expected);
            } else {
                CHECK(error == &not_touched);
            }
        }
    }
    mindra_client_free(client);
}

/* ---- invalid UTF-8 and CR/LF in every string argument ---- */

static const char *const bad_utf8[] = {
    "\xff",             /* never valid */
    "\xc3\x28",         /* bad continuation */
    "ab\xe2\x82",       /* truncated at the end */
    "\xed\xa0\x80",     /* a UTF-16 surrogate */
    "\xc0\x80",         /* overlong NUL */
    "\xf4\x90\x80\x80", /* above U+10FFFF */
    "\xf8\x88\x80\x80\x80", /* a 5-byte form */
};
#define N_BAD (sizeof bad_utf8 / sizeof bad_utf8[0])

static void test_invalid_utf8_everywhere(void) {
    MindraClient *client = new_client();
    char text[64], metadata[64], url[320];
    char *requests;
    size_t i;
    long connections;
    emulator_clear_requests();
    connections = emulator_connections();
    for (i = 0; i < N_BAD; i++) {
        MindraRunResult *result;
        MindraError *error = &not_touched;
        snprintf(text, sizeof text, "x%sy", bad_utf8[i]);
        snprintf(metadata, sizeof metadata, "{\"k\":\"%s\"}", bad_utf8[i]);

        result = mindra_client_run_workflow(client, text, "t", NULL);
        CHECK_KIND(result->error, MINDRA_ERR_INVALID_ARGUMENT);
        mindra_run_result_free(result);
        result = mindra_client_run_workflow(client, "hello", text, NULL);
        CHECK_KIND(result->error, MINDRA_ERR_INVALID_ARGUMENT);
        mindra_run_result_free(result);
        result = mindra_client_run_workflow(client, "hello", "t", metadata);
        CHECK_KIND(result->error, MINDRA_ERR_INVALID_METADATA);
        mindra_run_result_free(result);

        CHECK_KIND(mindra_approve(client, text, "ap_1", NULL, &error), MINDRA_ERR_INVALID_ARGUMENT);
        check_error_out(error, MINDRA_ERR_INVALID_ARGUMENT);
        error = &not_touched;
        CHECK_KIND(mindra_reject(client, "ex_1", text, NULL, &error), MINDRA_ERR_INVALID_ARGUMENT);
        check_error_out(error, MINDRA_ERR_INVALID_ARGUMENT);
        error = &not_touched;
        CHECK_KIND(mindra_approve(client, "ex_1", "ap_1", text, &error), MINDRA_ERR_INVALID_ARGUMENT);
        check_error_out(error, MINDRA_ERR_INVALID_ARGUMENT);

        error = &not_touched;
        CHECK(mindra_stream_open(client, text, &error) == NULL);
        check_error_out(error, MINDRA_ERR_INVALID_ARGUMENT);

        error = &not_touched;
        CHECK(mindra_client_new(text, emulator_url(), &error) == NULL);
        check_error_out(error, MINDRA_ERR_CONFIG);
        error = &not_touched;
        snprintf(url, sizeof url, "%s/%s", emulator_url(), bad_utf8[i]);
        CHECK(mindra_client_new(TEST_KEY, url, &error) == NULL);
        check_error_out(error, MINDRA_ERR_CONFIG);
    }
    CHECK(emulator_connections() - connections == 1); /* only this question's connection */
    requests = emulator_requests();
    CHECK_STR(requests, "[]"); /* nothing was sent */
    free(requests);
    mindra_client_free(client);
}

static void test_cr_lf_everywhere(void) {
    MindraClient *client = new_client();
    char execution_id[64], approval_id[64], url[320];
    MindraRunResult *result;
    MindraError *error = &not_touched;
    char *requests;

    emulator_clear_requests();
    /* task and reason are JSON strings: CR/LF are fine and escaped. */
    result = mindra_client_run_workflow(client, "hello", "line1\r\nX-Injected: 1\r\n\r\nline3", NULL);
    CHECK_KIND(result->error, MINDRA_OK);
    mindra_run_result_free(result);
    if (start_approval(client, execution_id, approval_id, sizeof execution_id)) {
        CHECK_KIND(mindra_reject(client, execution_id, approval_id, "why\r\nX-Injected: 2", &error), MINDRA_OK);
        CHECK(error == NULL);
    }
    /* Metadata: CR/LF as JSON whitespace is kept verbatim; a raw one inside a string is not
     * JSON. */
    result = mindra_client_run_workflow(client, "hello", "t", "{\r\n\"crlf\": 1\r\n}");
    CHECK_KIND(result->error, MINDRA_OK);
    mindra_run_result_free(result);
    result = mindra_client_run_workflow(client, "hello", "t", "{\"k\":\"a\r\nb\"}");
    CHECK_KIND(result->error, MINDRA_ERR_INVALID_METADATA);
    mindra_run_result_free(result);
    /* Slug and ids are percent-encoded into one path segment: an unknown workflow. */
    result = mindra_client_run_workflow(client, "hello\r\nX-Injected: 3", "t", NULL);
    CHECK_KIND(result->error, MINDRA_ERR_NOT_FOUND);
    mindra_run_result_free(result);
    error = &not_touched;
    CHECK_KIND(mindra_approve(client, "ex_1\r\nX-Injected: 4", "ap_1", NULL, &error), MINDRA_ERR_NOT_FOUND);
    check_error_out(error, MINDRA_ERR_NOT_FOUND);
    /* A stream target with a control character is refused. */
    error = &not_touched;
    CHECK(mindra_stream_open(client, "/api/v1/workflows/execute/ex_1/stream\r\nX-Injected: 5", &error) == NULL);
    check_error_out(error, MINDRA_ERR_INVALID_ARGUMENT);
    error = &not_touched;
    CHECK(mindra_stream_open(client, "ex_1\r\nX-Injected: 6", &error) == NULL);
    /* An execution id follows the slug's rules, as approve's ids do: CR/LF are percent-encoded
       into one path segment, so the server simply does not know that execution. */
    check_error_out(error, MINDRA_ERR_NOT_FOUND);
    /* Key and base URL: configuration errors. */
    error = &not_touched;
    CHECK(mindra_client_new("mk_1\r\nX-Injected: 7", emulator_url(), &error) == NULL);
    check_error_out(error, MINDRA_ERR_CONFIG);
    snprintf(url, sizeof url, "%s/gw\r\nX-Injected: 8", emulator_url());
    error = &not_touched;
    CHECK(mindra_client_new(TEST_KEY, url, &error) == NULL);
    check_error_out(error, MINDRA_ERR_CONFIG);

    requests = emulator_requests();
    CHECK(requests != NULL && strstr(requests, "x-injected") == NULL); /* no header got in */
    CHECK(requests != NULL && strstr(requests, "line1\\\\r\\\\nX-Injected: 1") != NULL);
    CHECK(requests != NULL && strstr(requests, "why\\\\r\\\\nX-Injected: 2") != NULL);
    CHECK(requests != NULL && strstr(requests, "{\\r\\n\\\"crlf\\\": 1\\r\\n}") != NULL);
    CHECK(requests != NULL && strstr(requests, "/v1/workflows/hello%0D%0AX-Injected%3A%203/run") != NULL);
    free(requests);
    mindra_client_free(client);
}

/* ---- 10 MB arguments ---- */

#define TEN_MB (10u * 1000u * 1000u)

static char *filled(size_t n, char c) {
    char *s = (char *)malloc(n + 1);
    if (s) {
        memset(s, c, n);
        s[n] = '\0';
    }
    return s;
}

/* The length of the longest run of c in text. */
static size_t longest_run(const char *text, char c) {
    size_t best = 0, run = 0;
    for (; text && *text; text++) {
        run = *text == c ? run + 1 : 0;
        if (run > best) best = run;
    }
    return best;
}

static void report(const char *what, MindraErrorKind kind, int http_status, const char *message) {
    fprintf(stderr, "abuse %s: %s (HTTP %d)%s%.200s\n", what, mindra_error_kind_name((int)kind), http_status,
            message ? ": " : "", message ? message : "");
}

static void test_ten_megabyte_arguments(void) {
    MindraClient *client = new_client();
    char *big = filled(TEN_MB, 'a');
    char *metadata = (char *)malloc(TEN_MB + 16);
    char *url = (char *)malloc(TEN_MB + 320);
    char execution_id[64], approval_id[64];
    MindraRunResult *result;
    MindraError *error = NULL;
    char *requests;
    if (!client || !big || !metadata || !url) {
        CHECK(!"out of memory");
        free(big);
        free(metadata);
        free(url);
        mindra_client_free(client);
        return;
    }

    /* A 10 MB task is an ordinary JSON string: sent whole. */
    emulator_clear_requests();
    result = mindra_client_run_workflow(client, "hello", big, NULL);
    report("10 MB task", result->error, result->http_status, result->error_message);
    CHECK_KIND(result->error, MINDRA_OK);
    mindra_run_result_free(result);
    requests = emulator_requests();
    CHECK(longest_run(requests, 'a') == TEN_MB);
    free(requests);

    /* A 10 MB metadata object reaches the server verbatim. */
    snprintf(metadata, TEN_MB + 16, "{\"pad\":\"%s\"}", big + 12);
    emulator_clear_requests();
    result = mindra_client_run_workflow(client, "hello", "t", metadata);
    report("10 MB metadata", result->error, result->http_status, result->error_message);
    CHECK_KIND(result->error, MINDRA_OK);
    mindra_run_result_free(result);
    requests = emulator_requests();
    CHECK(longest_run(requests, 'a') == TEN_MB - 12);
    CHECK(requests != NULL && strstr(requests, "{\\\"pad\\\":\\\"aaaa") != NULL);
    free(requests);
    emulator_clear_requests();

    /* A 10 MB reason: a JSON string in the body. */
    if (start_approval(client, execution_id, approval_id, sizeof execution_id)) {
        CHECK_KIND(mindra_approve(client, execution_id, approval_id, big, &error), MINDRA_OK);
        report("10 MB reason", error ? error->kind : MINDRA_OK, error ? error->http_status : 0,
               error ? error->message : NULL);
        check_error_out(error, MINDRA_OK);
    }
    emulator_clear_requests();

    /* 10 MB in the URL (slug, ids, stream target, base URL) or a header (key): no server
     * takes a 10 MB request line; it must fail cleanly, with a bounded message. */
    result = mindra_client_run_workflow(client, big, "t", NULL);
    report("10 MB slug", result->error, result->http_status, result->error_message);
    CHECK(result->error != MINDRA_OK && result->error != MINDRA_ERR_INTERNAL);
    CHECK(result->error_message != NULL && strlen(result->error_message) < 4096);
    mindra_run_result_free(result);

    error = NULL;
    CHECK(mindra_approve(client, big, "ap_1", NULL, &error) != MINDRA_OK);
    report("10 MB execution id", error ? error->kind : MINDRA_OK, error ? error->http_status : 0,
           error ? error->message : NULL);
    CHECK(error != NULL && error->kind != MINDRA_ERR_INTERNAL && strlen(error->message) < 4096);
    mindra_error_free(error);

    error = NULL;
    CHECK(mindra_stream_open(client, big, &error) == NULL);
    report("10 MB stream target", error ? error->kind : MINDRA_OK, error ? error->http_status : 0,
           error ? error->message : NULL);
    CHECK(error != NULL && error->kind != MINDRA_ERR_INTERNAL && strlen(error->message) < 4096);
    mindra_error_free(error);

    error = NULL;
    {
        /* Keys longer than 4 KiB are refused when the client is made (MINDRA_ERR_CONFIG). */
        MindraClient *big_key = mindra_client_new(big, emulator_url(), &error);
        CHECK(big_key == NULL);
        CHECK(error != NULL && error->kind == MINDRA_ERR_CONFIG);
        CHECK(error != NULL && strstr(error->message, "longer than") != NULL);
        mindra_error_free(error);
        error = NULL;
        if (big_key) {
            result = mindra_client_run_workflow(big_key, "hello", "t", NULL);
            report("10 MB API key", result->error, result->http_status, result->error_message);
            CHECK(result->error != MINDRA_OK && result->error != MINDRA_ERR_INTERNAL);
            CHECK(result->error_message != NULL && strlen(result->error_message) < 4096);
            mindra_run_result_free(result);
        }
        mindra_client_free(big_key);
        mindra_error_free(error);
    }

    error = NULL;
    snprintf(url, TEN_MB + 320, "%s/%s", emulator_url(), big);
    {
        MindraClient *big_url = mindra_client_new(TEST_KEY, url, &error);
        if (error) report("10 MB base URL (client_new)", error->kind, 0, error->message);
        if (big_url) {
            result = mindra_client_run_workflow(big_url, "hello", "t", NULL);
            report("10 MB base URL (run)", result->error, result->http_status, result->error_message);
            CHECK(result->error != MINDRA_OK && result->error != MINDRA_ERR_INTERNAL);
            CHECK(result->error_message != NULL && strlen(result->error_message) < 4096);
            mindra_run_result_free(result);
        }
        mindra_client_free(big_url);
        mindra_error_free(error);
    }
    free(url);
    free(metadata);
    free(big);
    mindra_client_free(client);
}

/* ---- metadata nested deeper than a stack ---- */

static char *nested(size_t depth, const char *open, const char *close, const char *inner) {
    size_t lo = strlen(open), lc = strlen(close), li = strlen(inner), i;
    char *s = (char *)malloc(depth * (lo + lc) + li + 8); /* {"k": ... } NUL */
    char *p = s;
    if (!s) return NULL;
    *p++ = '{';
    *p++ = '"';
    *p++ = 'k';
    *p++ = '"';
    *p++ = ':';
    for (i = 1; i < depth; i++, p += lo) memcpy(p, open, lo);
    memcpy(p, inner, li);
    p += li;
    for (i = 1; i < depth; i++, p += lc) memcpy(p, close, lc);
    *p++ = '}';
    *p = '\0';
    return s;
}

static void test_deeply_nested_metadata(void) {
    MindraClient *client = new_client();
    static const size_t depths[] = {10000, 1000000};
    size_t i;
    char *requests;
    emulator_clear_requests();
    for (i = 0; i < sizeof depths / sizeof depths[0]; i++) {
        char *objects = nested(depths[i], "{\"a\":", "}", "1");
        char *arrays = nested(depths[i], "[", "]", "1");
        MindraRunResult *result;
        if (!objects || !arrays) {
            CHECK(!"out of memory");
        } else {
            /* Refused before sending, and no stack overflow on the way. */
            result = mindra_client_run_workflow(client, "hello", "deep-refused", objects);
            report(depths[i] == 10000 ? "metadata 10,000 objects deep" : "metadata 1,000,000 objects deep",
                   result->error, result->http_status, result->error_message);
            CHECK_KIND(result->error, MINDRA_ERR_INVALID_METADATA);
            mindra_run_result_free(result);
            result = mindra_client_run_workflow(client, "hello", "deep-refused", arrays);
            report(depths[i] == 10000 ? "metadata 10,000 arrays deep" : "metadata 1,000,000 arrays deep",
                   result->error, result->http_status, result->error_message);
            CHECK_KIND(result->error, MINDRA_ERR_INVALID_METADATA);
            mindra_run_result_free(result);
        }
        free(objects);
        free(arrays);
    }
    /* Depth 100 is ordinary: accepted and sent. */
    {
        char *ok = nested(100, "{\"a\":", "}", "1");
        MindraRunResult *result = mindra_client_run_workflow(client, "hello", "deep-ok", ok);
        CHECK_KIND(result->error, MINDRA_OK);
        mindra_run_result_free(result);
        free(ok);
    }
    requests = emulator_requests();
    CHECK(count_occurrences(requests, "deep-refused") == 0);
    CHECK(count_occurrences(requests, "deep-ok") == 1);
    free(requests);
    mindra_client_free(client);
}

/* ---- mindra_stream_next after done, cancel and error ---- */

/* Calls next `times` more times; each must return NULL with `expected` (NULL error for OK). */
static void next_again(MindraStream *stream, int times, MindraErrorKind expected, const char *message) {
    int i;
    for (i = 0; i < times; i++) {
        MindraError *error = &not_touched;
        CHECK(mindra_stream_next(stream, &error) == NULL);
        if (expected == MINDRA_OK) {
            CHECK(error == NULL);
        } else {
            CHECK(error != NULL && error != &not_touched && error->kind == expected);
            if (message && error && error != &not_touched) CHECK_STR(error->message, message);
            if (error != &not_touched) mindra_error_free(error);
        }
        CHECK(mindra_stream_next(stream, NULL) == NULL);
    }
}

static MindraStream *open_slug(MindraClient *client, const char *slug, const char *metadata) {
    MindraRunResult *run = mindra_client_run_workflow(client, slug, "again", metadata);
    MindraStream *stream = NULL;
    CHECK_KIND(run->error, MINDRA_OK);
    if (run->error == MINDRA_OK) stream = mindra_stream_open(client, run->stream_url, NULL);
    CHECK(stream != NULL);
    mindra_run_result_free(run);
    return stream;
}

struct canceller {
    MindraStream *stream;
    int delay_ms;
};

static void *cancel_later(void *arg) {
    struct canceller *job = (struct canceller *)arg;
    harness_sleep_ms(job->delay_ms);
    mindra_stream_cancel(job->stream);
    return NULL;
}

static void test_next_after_done_cancel_and_error(void) {
    MindraClient *client = new_client();
    MindraStream *stream;
    MindraEvent *event;
    MindraError *error = NULL;
    char first_message[512] = "";

    /* After done: NULL, no error, every time; a cancel afterwards changes nothing. */
    stream = open_slug(client, "hello", NULL);
    while (stream && (event = mindra_stream_next(stream, NULL)) != NULL) mindra_event_free(event);
    next_again(stream, 3, MINDRA_OK, NULL);
    mindra_stream_cancel(stream);
    mindra_stream_cancel(stream);
    {
        /* Documented both ways (see the report): accept NULL with no error or CANCELLED,
         * but the same on every call. */
        MindraError *e1 = &not_touched;
        CHECK(stream && mindra_stream_next(stream, &e1) == NULL);
        CHECK(e1 == NULL || (e1 != &not_touched && e1->kind == MINDRA_ERR_CANCELLED));
        fprintf(stderr, "abuse next after done then cancel: %s\n",
                e1 == NULL ? "NULL, no error" : mindra_error_kind_name((int)e1->kind));
        next_again(stream, 2, e1 ? MINDRA_ERR_CANCELLED : MINDRA_OK, NULL);
        if (e1 && e1 != &not_touched) mindra_error_free(e1);
    }
    mindra_stream_free(stream);

    /* After a cancel before anything was read, and while blocked in next. */
    stream = open_slug(client, "slow-stream", "{\"silence_ms\":3000}");
    if (stream) {
        mindra_stream_cancel(stream);
        next_again(stream, 3, MINDRA_ERR_CANCELLED, NULL);
    }
    mindra_stream_free(stream);
    stream = open_slug(client, "slow-stream", "{\"silence_ms\":3000}");
    if (stream) {
        pthread_t thread;
        struct canceller job;
        double started;
        event = mindra_stream_next(stream, NULL); /* "Thinking..." */
        CHECK(event != NULL);
        mindra_event_free(event);
        job.stream = stream;
        job.delay_ms = 100;
        pthread_create(&thread, NULL, cancel_later, &job);
        started = now_ms();
        next_again(stream, 1, MINDRA_ERR_CANCELLED, NULL);
        CHECK(now_ms() - started < 2500);
        pthread_join(thread, NULL);
        next_again(stream, 3, MINDRA_ERR_CANCELLED, NULL);
    }
    mindra_stream_free(stream);

    /* After an error: the same error (kind and message) every time; cancel does not
     * replace it. */
    stream = open_slug(client, "drop-no-ids", NULL);
    while (stream && (event = mindra_stream_next(stream, &error)) != NULL) mindra_event_free(event);
    CHECK(error != NULL && error->kind == MINDRA_ERR_TRANSPORT);
    if (error) snprintf(first_message, sizeof first_message, "%s", error->message);
    mindra_error_free(error);
    next_again(stream, 3, MINDRA_ERR_TRANSPORT, first_message);
    mindra_stream_cancel(stream);
    next_again(stream, 2, MINDRA_ERR_TRANSPORT, first_message);
    mindra_stream_free(stream);

    /* After a protocol error (a line over the bound). */
    error = NULL;
    stream = open_slug(client, "long-line", "{\"line_bytes\":17825792}");
    while (stream && (event = mindra_stream_next(stream, &error)) != NULL) mindra_event_free(event);
    CHECK(error != NULL && error->kind == MINDRA_ERR_PROTOCOL);
    mindra_error_free(error);
    next_again(stream, 3, MINDRA_ERR_PROTOCOL, NULL);
    mindra_stream_free(stream);

    /* After a timeout. */
    error = NULL;
    CHECK_KIND(mindra_client_set_timeout_ms(client, 300), MINDRA_OK);
    stream = open_slug(client, "slow-stream", "{\"silence_ms\":2000}");
    while (stream && (event = mindra_stream_next(stream, &error)) != NULL) mindra_event_free(event);
    CHECK(error != NULL && error->kind == MINDRA_ERR_TIMEOUT);
    mindra_error_free(error);
    next_again(stream, 3, MINDRA_ERR_TIMEOUT, NULL);
    mindra_stream_free(stream);
    mindra_client_free(client);
}

int main(int argc, char **argv) {
    (void)argc;
    harness_set_argv0(argv[0]);
    harness_watchdog(600);
    RUN(test_null_frees_and_setters);
    RUN(test_client_new_null_combinations);
    RUN(test_run_null_combinations);
    RUN(test_stream_null_combinations);
    RUN(test_approve_reject_null_combinations);
    RUN(test_invalid_utf8_everywhere);
    RUN(test_cr_lf_everywhere);
    RUN(test_ten_megabyte_arguments);
    RUN(test_deeply_nested_metadata);
    RUN(test_next_after_done_cancel_and_error);
    return harness_finish();
}
