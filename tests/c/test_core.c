/*
 * C tests of the contract's sections Conventions, Environment, Error kinds, Running a
 * workflow, The client and Version, against the emulator (started by the test command).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "harness.h"

static MindraClient *new_client(void) {
    MindraError *error = NULL;
    MindraClient *client = mindra_client_new(TEST_KEY, emulator_url(), &error);
    CHECK(client != NULL);
    CHECK(error == NULL);
    mindra_error_free(error);
    return client;
}

/* Runs slug on client and checks the error kind; returns the result for more checks. */
static MindraRunResult *run_expect(MindraClient *client, const char *slug, const char *task,
                                   const char *metadata, MindraErrorKind expected) {
    MindraRunResult *result = mindra_client_run_workflow(client, slug, task, metadata);
    CHECK(result != NULL);
    CHECK_KIND(result->error, expected);
    if (expected != MINDRA_OK) {
        CHECK(result->error_message != NULL && result->error_message[0] != '\0');
        CHECK(result->error_message == NULL || strstr(result->error_message, TEST_KEY) == NULL);
        CHECK(result->execution_id == NULL);
        CHECK(result->raw_json == NULL);
    } else {
        CHECK(result->error_message == NULL);
    }
    return result;
}

static void test_version(void) {
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", MINDRA_VERSION_MAJOR, MINDRA_VERSION_MINOR,
             MINDRA_VERSION_PATCH);
    CHECK_STR(mindra_version(), expected);
    CHECK_STR(mindra_version(), MINDRA_VERSION_STRING);
}

static void test_error_kind_names(void) {
    static const char *names[] = {"ok",          "invalid_argument", "invalid_metadata",
                                  "config",      "transport",        "timeout",
                                  "unauthorized", "not_found",       "rate_limited",
                                  "bad_request", "server",           "protocol",
                                  "cancelled",   "internal"};
    int kind;
    for (kind = 0; kind <= 13; kind++) {
        CHECK_STR(mindra_error_kind_name(kind), names[kind]);
    }
    CHECK_STR(mindra_error_kind_name(-1), "unknown");
    CHECK_STR(mindra_error_kind_name(14), "unknown");
    CHECK_STR(mindra_error_kind_name(2147483647), "unknown");
    CHECK(MINDRA_ERR_INTERNAL == 13 && MINDRA_ERR_CANCELLED == 12 && MINDRA_OK == 0);
}

static void test_every_free_accepts_null(void) {
    mindra_run_result_free(NULL);
    mindra_error_free(NULL);
    mindra_client_free(NULL);
    mindra_stream_free(NULL);
    mindra_event_free(NULL);
    mindra_stream_cancel(NULL);
    CHECK(1);
}

static void test_client_new_reports_config_errors(void) {
    static const char *bad_urls[] = {"", "http://example.com", "ftp://x", "https://h\r\nX: y",
                                     "not a url", "https://user:pw@api.mindra.co"};
    size_t i;
    MindraError *error = NULL;
    MindraClient *client;

    for (i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
        error = NULL;
        client = mindra_client_new(TEST_KEY, bad_urls[i], &error);
        CHECK(client == NULL);
        CHECK(error != NULL);
        if (error) {
            CHECK_KIND(error->kind, MINDRA_ERR_CONFIG);
            CHECK(error->message != NULL && strstr(error->message, TEST_KEY) == NULL);
            CHECK(error->http_status == 0);
            CHECK(error->code == NULL);
        }
        mindra_error_free(error);
    }

    error = NULL;
    client = mindra_client_new("mk_abc\r\nX-Injected: 1", emulator_url(), &error);
    CHECK(client == NULL);
    CHECK(error != NULL && error->kind == MINDRA_ERR_CONFIG);
    CHECK(error != NULL && strstr(error->message, "X-Injected") == NULL);
    mindra_error_free(error);

    error = NULL;
    client = mindra_client_new("mk_\xff\xfe", emulator_url(), &error);
    CHECK(client == NULL);
    CHECK(error != NULL && error->kind == MINDRA_ERR_CONFIG);
    mindra_error_free(error);

    /* error_out NULL: the caller does not want details, and nothing crashes. */
    CHECK(mindra_client_new(TEST_KEY, "", NULL) == NULL);
    CHECK(mindra_client_new(TEST_KEY, "http://[::1", NULL) == NULL);
}

static void test_environment_is_read_when_arguments_are_null(void) {
    char *saved_key = strdup(getenv("MINDRA_API_KEY"));
    MindraError *error = NULL;
    MindraClient *client;

    unsetenv("MINDRA_API_KEY");
    client = mindra_client_new(NULL, NULL, &error);
    CHECK(client == NULL);
    CHECK(error != NULL && error->kind == MINDRA_ERR_CONFIG);
    CHECK(error != NULL && strstr(error->message, "MINDRA_API_KEY") != NULL);
    mindra_error_free(error);

    setenv("MINDRA_API_KEY", saved_key, 1);
    error = NULL;
    client = mindra_client_new(NULL, NULL, &error);
    CHECK(client != NULL && error == NULL);
    if (client) {
        MindraRunResult *result = run_expect(client, "hello", "from the environment", NULL, MINDRA_OK);
        mindra_run_result_free(result);
    }
    mindra_client_free(client);
    free(saved_key);

    setenv("MINDRA_BASE_URL", "http://example.com", 1);
    error = NULL;
    client = mindra_client_new(TEST_KEY, NULL, &error);
    CHECK(client == NULL && error != NULL && error->kind == MINDRA_ERR_CONFIG);
    mindra_error_free(error);
    setenv("MINDRA_ALLOW_INSECURE_HTTP", "1", 1);
    client = mindra_client_new(TEST_KEY, NULL, NULL);
    CHECK(client != NULL);
    mindra_client_free(client);
    unsetenv("MINDRA_ALLOW_INSECURE_HTTP");
    setenv("MINDRA_BASE_URL", emulator_url(), 1);
}

static void test_setters(void) {
    MindraClient *client = new_client();
    CHECK_KIND(mindra_client_set_timeout_ms(NULL, 1000), MINDRA_ERR_INVALID_ARGUMENT);
    CHECK_KIND(mindra_client_set_max_retries(NULL, 1), MINDRA_ERR_INVALID_ARGUMENT);
    CHECK_KIND(mindra_client_set_timeout_ms(client, 5000), MINDRA_OK);
    CHECK_KIND(mindra_client_set_max_retries(client, 0), MINDRA_OK);
    mindra_client_free(client);
}

static void test_run_returns_the_documented_fields(void) {
    MindraClient *client = new_client();
    MindraRunResult *result = run_expect(client, "hello", "Say hello", "{\"user\":\"c\"}", MINDRA_OK);
    CHECK(result->http_status == 200);
    CHECK(result->execution_id != NULL && strncmp(result->execution_id, "ex_", 3) == 0);
    CHECK_STR(result->status, "running");
    CHECK_STR(result->workflow_slug, "hello");
    CHECK(result->workflow_name != NULL && result->workflow_name[0] != '\0');
    CHECK(result->stream_url != NULL && result->stream_url[0] == '/');
    CHECK(result->stream_url != NULL && strstr(result->stream_url, result->execution_id) != NULL);
    CHECK(result->created_at != NULL && strlen(result->created_at) >= 20);
    CHECK(result->conversation_id != NULL);
    CHECK(result->raw_json != NULL && strstr(result->raw_json, result->execution_id) != NULL);
    CHECK(result->request_id != NULL && strncmp(result->request_id, "req_", 4) == 0);
    CHECK(result->error_code == NULL);
    mindra_run_result_free(result);

    result = run_expect(client, "no-conversation", "null conversation", NULL, MINDRA_OK);
    CHECK(result->conversation_id == NULL);
    CHECK(result->raw_json != NULL && strstr(result->raw_json, "\"conversation_id\":null") != NULL);
    mindra_run_result_free(result);
    mindra_client_free(client);
}

static void test_bad_arguments_are_refused_before_sending(void) {
    MindraClient *client = new_client();
    static const char *bad_metadata[] = {"[1,2]", "42", "\"text\"", "null", "not json", "{\"a\":1",
                                         "{} {}", "{\"a\":\xff}"};
    size_t i;
    char *requests;

    emulator_clear_requests();
    mindra_run_result_free(run_expect(client, NULL, "t", NULL, MINDRA_ERR_INVALID_ARGUMENT));
    mindra_run_result_free(run_expect(client, "hello", NULL, NULL, MINDRA_ERR_INVALID_ARGUMENT));
    mindra_run_result_free(run_expect(client, "", "t", NULL, MINDRA_ERR_INVALID_ARGUMENT));
    mindra_run_result_free(run_expect(client, "hello", "", NULL, MINDRA_ERR_INVALID_ARGUMENT));
    mindra_run_result_free(run_expect(client, ".", "t", NULL, MINDRA_ERR_INVALID_ARGUMENT));
    mindra_run_result_free(run_expect(client, "..", "t", NULL, MINDRA_ERR_INVALID_ARGUMENT));
    mindra_run_result_free(run_expect(client, "hel\xc3\x28lo", "t", NULL, MINDRA_ERR_INVALID_ARGUMENT));
    mindra_run_result_free(run_expect(client, "hello", "bad \xff task", NULL, MINDRA_ERR_INVALID_ARGUMENT));
    for (i = 0; i < sizeof bad_metadata / sizeof bad_metadata[0]; i++) {
        mindra_run_result_free(run_expect(client, "hello", "t", bad_metadata[i], MINDRA_ERR_INVALID_METADATA));
    }
    requests = emulator_requests();
    CHECK(requests != NULL);
    CHECK_STR(requests, "[]");
    free(requests);
    mindra_client_free(client);
}

static void test_metadata_arrives_exactly_as_written(void) {
    MindraClient *client = new_client();
    /* Key order, whitespace, a 30-digit integer and a unicode escape, all kept. */
    const char *metadata = "{ \"zeta\": 1,\n  \"alpha\": 123456789012345678901234567890, \"u\": \"\\u00e9\" }";
    /* The same text as it appears inside the recorded JSON string. */
    const char *recorded =
        "{ \\\"zeta\\\": 1,\\n  \\\"alpha\\\": 123456789012345678901234567890, \\\"u\\\": \\\"\\\\u00e9\\\" }";
    char *requests;
    MindraRunResult *result;

    emulator_clear_requests();
    result = run_expect(client, "hello", "line one\nline \"two\"", metadata, MINDRA_OK);
    mindra_run_result_free(result);
    requests = emulator_requests();
    CHECK(requests != NULL && strstr(requests, recorded) != NULL);
    CHECK(requests != NULL && strstr(requests, "line one\\\\nline \\\\\\\"two\\\\\\\"") != NULL);
    CHECK(requests != NULL && strstr(requests, "\"x-api-key\":\"" TEST_KEY "\"") != NULL);
    CHECK(requests != NULL && strstr(requests, "mindra-c/") != NULL);
    if (requests && !strstr(requests, recorded)) fprintf(stderr, "recorded: %s\n", requests);
    free(requests);

    emulator_clear_requests();
    mindra_run_result_free(run_expect(client, "hello", "no metadata", "", MINDRA_OK));
    requests = emulator_requests();
    CHECK(requests != NULL && strstr(requests, "\\\"metadata\\\":{}") != NULL);
    free(requests);
    mindra_client_free(client);
}

static void test_slug_is_one_encoded_segment(void) {
    MindraClient *client = new_client();
    MindraRunResult *result;
    char *requests;

    emulator_clear_requests();
    result = run_expect(client, "a/b?c#d e", "t", NULL, MINDRA_ERR_NOT_FOUND);
    CHECK_STR(result->error_code, "WORKFLOW_NOT_FOUND");
    CHECK(result->http_status == 404);
    CHECK(result->request_id != NULL);
    mindra_run_result_free(result);
    requests = emulator_requests();
    CHECK(requests != NULL && strstr(requests, "\"/v1/workflows/a%2Fb%3Fc%23d%20e/run\"") != NULL);
    free(requests);

    emulator_clear_requests();
    mindra_run_result_free(run_expect(client, "x\r\nHost: evil", "t", NULL, MINDRA_ERR_NOT_FOUND));
    requests = emulator_requests();
    CHECK(requests != NULL && strstr(requests, "/v1/workflows/x%0D%0AHost%3A%20evil/run") != NULL);
    free(requests);
    mindra_client_free(client);
}

static void test_base_url_path_prefix(void) {
    char url[256];
    MindraClient *client;
    MindraRunResult *result;
    char *requests;

    snprintf(url, sizeof url, "%s/gw/mindra/", emulator_url());
    client = mindra_client_new(TEST_KEY, url, NULL);
    CHECK(client != NULL);
    emulator_clear_requests();
    result = run_expect(client, "hello", "through a gateway", NULL, MINDRA_OK);
    mindra_run_result_free(result);
    requests = emulator_requests();
    CHECK(requests != NULL && strstr(requests, "\"/gw/mindra/v1/workflows/hello/run\"") != NULL);
    free(requests);
    mindra_client_free(client);
}

static void test_http_errors_map_to_kinds(void) {
    MindraClient *client = new_client();
    MindraClient *wrong_key = mindra_client_new("mk_ffffffffffffffffffffffffffffffff", emulator_url(), NULL);
    MindraRunResult *result;
    char *requests;

    result = run_expect(wrong_key, "hello", "t", NULL, MINDRA_ERR_UNAUTHORIZED);
    CHECK(result->http_status == 401);
    CHECK_STR(result->error_code, "UNAUTHORIZED");
    CHECK(strstr(result->error_message, "mk_ffffffffffffffffffffffffffffffff") == NULL);
    mindra_run_result_free(result);

    result = run_expect(client, "no-such-workflow", "t", NULL, MINDRA_ERR_NOT_FOUND);
    CHECK(result->http_status == 404);
    mindra_run_result_free(result);

    emulator_clear_requests();
    result = run_expect(client, "server-error", "t", NULL, MINDRA_ERR_SERVER);
    CHECK(result->http_status == 500);
    CHECK_STR(result->error_code, "INTERNAL_ERROR");
    mindra_run_result_free(result);
    requests = emulator_requests();
    CHECK(count_occurrences(requests, "/v1/workflows/server-error/run") == 1); /* never re-sent */
    free(requests);

    result = run_expect(client, "bad-gateway", "t", NULL, MINDRA_ERR_SERVER);
    CHECK(result->http_status == 502);
    CHECK(result->error_code == NULL);
    CHECK(strstr(result->error_message, "502") != NULL);
    mindra_run_result_free(result);

    result = run_expect(client, "truncated", "t", NULL, MINDRA_ERR_PROTOCOL);
    CHECK(result->http_status == 200);
    mindra_run_result_free(result);
    result = run_expect(client, "missing-field", "t", NULL, MINDRA_ERR_PROTOCOL);
    mindra_run_result_free(result);

    emulator_clear_requests();
    result = run_expect(client, "redirect", "t", NULL, MINDRA_ERR_PROTOCOL);
    CHECK(result->http_status == 307);
    CHECK(strstr(result->error_message, "redirect") != NULL);
    mindra_run_result_free(result);
    requests = emulator_requests();
    CHECK(count_occurrences(requests, "\"path\"") == 1); /* the redirect was not followed */
    free(requests);

    mindra_client_free(wrong_key);
    mindra_client_free(client);
}

static void test_retries(void) {
    MindraClient *client = new_client();
    MindraRunResult *result;
    char *requests;
    double started;

    emulator_clear_requests();
    started = now_ms();
    result = run_expect(client, "rate-limited-once", "retry 429 c", "{\"retry_after\":1}", MINDRA_OK);
    CHECK(now_ms() - started >= 900); /* Retry-After: 1 was honoured */
    mindra_run_result_free(result);
    result = run_expect(client, "unavailable-once", "retry 503 c", "{\"retry_after\":0}", MINDRA_OK);
    mindra_run_result_free(result);
    requests = emulator_requests();
    CHECK(count_occurrences(requests, "/v1/workflows/rate-limited-once/run") == 2);
    CHECK(count_occurrences(requests, "/v1/workflows/unavailable-once/run") == 2);
    free(requests);

    emulator_clear_requests();
    CHECK_KIND(mindra_client_set_max_retries(client, 1), MINDRA_OK);
    result = run_expect(client, "rate-limited", "always 429", "{\"retry_after\":0}", MINDRA_ERR_RATE_LIMITED);
    CHECK(result->http_status == 429);
    CHECK_STR(result->error_code, "RATE_LIMITED");
    mindra_run_result_free(result);
    requests = emulator_requests();
    CHECK(count_occurrences(requests, "/v1/workflows/rate-limited/run") == 2); /* 1 + 1 retry */
    free(requests);

    emulator_clear_requests();
    CHECK_KIND(mindra_client_set_max_retries(client, 0), MINDRA_OK);
    result = run_expect(client, "rate-limited-once", "no retries c", "{\"retry_after\":0}", MINDRA_ERR_RATE_LIMITED);
    mindra_run_result_free(result);
    requests = emulator_requests();
    CHECK(count_occurrences(requests, "/v1/workflows/rate-limited-once/run") == 1);
    free(requests);
    mindra_client_free(client);
}

static void test_unreachable_port_is_transport(void) {
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    char url[64];
    MindraClient *client;
    MindraRunResult *result;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    /* Bind a port, then close it: nothing listens there afterwards. */
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&addr, sizeof addr);
    getsockname(fd, (struct sockaddr *)&addr, &len);
    close(fd);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(addr.sin_port));
    client = mindra_client_new(TEST_KEY, url, NULL);
    CHECK(client != NULL);
    result = run_expect(client, "hello", "t", NULL, MINDRA_ERR_TRANSPORT);
    CHECK(result->http_status == 0);
    mindra_run_result_free(result);
    mindra_client_free(client);
}

static void test_timeout_on_the_slow_scenario(void) {
    MindraClient *client = new_client();
    MindraRunResult *result;
    double started;

    CHECK_KIND(mindra_client_set_timeout_ms(client, 300), MINDRA_OK);
    started = now_ms();
    result = run_expect(client, "slow", "t", "{\"delay_ms\":3000}", MINDRA_ERR_TIMEOUT);
    CHECK(now_ms() - started < 2000);
    CHECK(result->http_status == 0);
    mindra_run_result_free(result);
    mindra_client_free(client);
}

struct thread_job {
    MindraClient *client;
    int ok;
};

static void *run_many(void *arg) {
    struct thread_job *job = (struct thread_job *)arg;
    int i;
    for (i = 0; i < 100; i++) {
        MindraRunResult *result = mindra_client_run_workflow(job->client, "hello", "threaded", "{}");
        if (result->error == MINDRA_OK && result->execution_id) {
            job->ok++;
        }
        mindra_run_result_free(result);
    }
    return NULL;
}

static void test_threads_share_one_client(void) {
    MindraClient *client = new_client();
    pthread_t threads[8];
    struct thread_job jobs[8];
    int i, total = 0;

    for (i = 0; i < 8; i++) {
        jobs[i].client = client;
        jobs[i].ok = 0;
        pthread_create(&threads[i], NULL, run_many, &jobs[i]);
    }
    for (i = 0; i < 8; i++) {
        pthread_join(threads[i], NULL);
        total += jobs[i].ok;
    }
    CHECK(total == 800);
    mindra_client_free(client);
}

static void test_default_client_keeps_one_connection(void) {
    long before, after;
    int i, ok = 0;

    before = emulator_connections();
    for (i = 0; i < 200; i++) {
        MindraRunResult *result = mindra_run_workflow("hello", "sequential", NULL);
        ok += result->error == MINDRA_OK;
        mindra_run_result_free(result);
    }
    after = emulator_connections();
    CHECK(ok == 200);
    CHECK(before >= 0);
    /* One kept-alive connection for all 200 calls (the stats calls add their own two). */
    CHECK(after - before == 1 + 1);
    if (after - before != 2) fprintf(stderr, "connections: %ld -> %ld\n", before, after);
}

int main(void) {
    RUN(test_version);
    RUN(test_error_kind_names);
    RUN(test_every_free_accepts_null);
    RUN(test_client_new_reports_config_errors);
    RUN(test_environment_is_read_when_arguments_are_null);
    RUN(test_setters);
    RUN(test_run_returns_the_documented_fields);
    RUN(test_bad_arguments_are_refused_before_sending);
    RUN(test_metadata_arrives_exactly_as_written);
    RUN(test_slug_is_one_encoded_segment);
    RUN(test_base_url_path_prefix);
    RUN(test_http_errors_map_to_kinds);
    RUN(test_retries);
    RUN(test_unreachable_port_is_transport);
    RUN(test_timeout_on_the_slow_scenario);
    RUN(test_threads_share_one_client);
    RUN(test_default_client_keeps_one_connection);
    return harness_finish();
}
