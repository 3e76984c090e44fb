/*
 * Prints everything libmindra can say, so tests/secrets/run.sh can look for the API key in
 * it: every field of every run result, error and event across every scenario the emulator
 * lists (the fault scenarios included, each on the run and on the stream), approvals and
 * rejections, the echo-key scenario (a server that repeats the key in its error body, code
 * and request id), a wrong key, and configuration errors built around the key.
 *
 * Run with MINDRA_API_KEY set to a distinctive key the emulator accepts (--api-key) and
 * MINDRA_BASE_URL; MINDRA_WRONG_KEY names a second, rejected key. Output: one line per
 * string on stdout; "calls N strings N" at the end.
 */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

static long strings_printed = 0;
static long calls_made = 0;

static void say(const char *what, const char *value) {
    strings_printed++;
    printf("%s=%s\n", what, value ? value : "(null)");
}

static void say_error(const char *where, const MindraError *error) {
    char what[256];
    if (!error) return;
    snprintf(what, sizeof what, "%s.error", where);
    printf("%s.kind=%s http_status=%d\n", where, mindra_error_kind_name((int)error->kind), error->http_status);
    snprintf(what, sizeof what, "%s.message", where);
    say(what, error->message);
    snprintf(what, sizeof what, "%s.code", where);
    say(what, error->code);
    snprintf(what, sizeof what, "%s.request_id", where);
    say(what, error->request_id);
}

static void say_run(const char *where, const MindraRunResult *r) {
    char what[256];
    const char *names[] = {"error_message", "error_code", "execution_id", "status", "workflow_slug",
                           "workflow_name", "stream_url", "created_at", "conversation_id", "raw_json",
                           "request_id"};
    const char *values[11];
    int i;
    values[0] = r->error_message;
    values[1] = r->error_code;
    values[2] = r->execution_id;
    values[3] = r->status;
    values[4] = r->workflow_slug;
    values[5] = r->workflow_name;
    values[6] = r->stream_url;
    values[7] = r->created_at;
    values[8] = r->conversation_id;
    values[9] = r->raw_json;
    values[10] = r->request_id;
    printf("%s.error=%s http_status=%d\n", where, mindra_error_kind_name((int)r->error), r->http_status);
    for (i = 0; i < 11; i++) {
        snprintf(what, sizeof what, "%s.%s", where, names[i]);
        say(what, values[i]);
    }
}

static void say_event(const char *where, const MindraEvent *e) {
    char what[256];
    const char *names[] = {"event", "data", "id", "content", "tool_name", "tool_input", "result",
                           "approval_id", "execution_id", "status", "final_answer"};
    const char *values[11];
    int i;
    values[0] = e->event;
    values[1] = e->data;
    values[2] = e->id;
    values[3] = e->content;
    values[4] = e->tool_name;
    values[5] = e->tool_input;
    values[6] = e->result;
    values[7] = e->approval_id;
    values[8] = e->execution_id;
    values[9] = e->status;
    values[10] = e->final_answer;
    printf("%s.type=%d\n", where, (int)e->type);
    for (i = 0; i < 11; i++) {
        /* Long data (many-events, long lines) only in part: the key would be in any part. */
        if (values[i] && strlen(values[i]) > 4096) {
            snprintf(what, sizeof what, "%s.%s(len %lu, scanned)", where, names[i], (unsigned long)strlen(values[i]));
            say(what, strstr(values[i], getenv("MINDRA_API_KEY")) ? "CONTAINS THE KEY" : "no key");
            continue;
        }
        snprintf(what, sizeof what, "%s.%s", where, names[i]);
        say(what, values[i]);
    }
}

/* Approves (or rejects with a reason) and prints what came back. */
static void decide(MindraClient *client, const char *where, const char *execution_id, const char *approval_id,
                   int approve) {
    MindraError *error = NULL;
    MindraErrorKind kind;
    calls_made++;
    kind = approve ? mindra_approve(client, execution_id, approval_id, "looks fine", &error)
                   : mindra_reject(client, execution_id, approval_id, "not today", &error);
    printf("%s.decide=%s\n", where, mindra_error_kind_name((int)kind));
    say_error(where, error);
    mindra_error_free(error);
}

/* Reads a stream to its end (at most 200 events), answering approval requests. */
static void read_stream(MindraClient *client, const char *where, const char *target, int approve) {
    MindraError *error = NULL;
    MindraStream *stream;
    char label[256];
    int n;
    calls_made++;
    stream = mindra_stream_open(client, target, &error);
    snprintf(label, sizeof label, "%s.open", where);
    say_error(label, error);
    mindra_error_free(error);
    for (n = 0; stream && n < 200; n++) {
        MindraEvent *event;
        error = NULL;
        calls_made++;
        event = mindra_stream_next(stream, &error);
        snprintf(label, sizeof label, "%s.next%d", where, n);
        if (!event) {
            say_error(label, error);
            mindra_error_free(error);
            break;
        }
        say_event(label, event);
        if (event->type == MINDRA_EVENT_APPROVAL_REQUEST && event->approval_id) {
            const char *execution = strstr(target, "/execute/");
            char id[64] = "";
            if (execution) sscanf(execution + 9, "%63[^/]", id);
            decide(client, label, id, event->approval_id, approve);
        }
        mindra_event_free(event);
    }
    /* Once more after the end: the same error or nothing. */
    if (stream) {
        error = NULL;
        CHECK(mindra_stream_next(stream, &error) == NULL);
        snprintf(label, sizeof label, "%s.after_end", where);
        say_error(label, error);
        mindra_error_free(error);
    }
    mindra_stream_free(stream);
}

/* Runs slug with metadata and follows its stream when it started. */
static void exercise(MindraClient *client, const char *slug, const char *metadata, const char *variant,
                     int approve) {
    char where[256];
    MindraRunResult *result;
    calls_made++;
    snprintf(where, sizeof where, "%s[%s]", slug, variant);
    result = mindra_client_run_workflow(client, slug, "capture everything", metadata);
    say_run(where, result);
    if (result->error == MINDRA_OK && result->stream_url) {
        char label[300];
        snprintf(label, sizeof label, "%s.stream", where);
        read_stream(client, label, result->stream_url, approve);
        /* A decision on an id the execution does not have: the 404 path. */
        snprintf(label, sizeof label, "%s.bogus_approval", where);
        decide(client, label, result->execution_id, "ap_nope", approve);
    }
    mindra_run_result_free(result);
}

/* The slugs from GET /_emulator/scenarios, as a malloc'd JSON array. */
static char *scenario_list(void) { return emulator_call("GET", "/_emulator/scenarios"); }

int main(void) {
    const char *key = getenv("MINDRA_API_KEY");
    const char *wrong = getenv("MINDRA_WRONG_KEY");
    /* Every scenario knob at once, set for speed: timeouts short, pauses short, lines just
     * over the bound. */
    const char *knobs =
        "\"retry_after\":0,\"delay_ms\":50,\"silence_ms\":50,\"pause_ms\":200,\"expire_ms\":50,"
        "\"events\":50,\"interval_ms\":20,\"text\":\"tt\",\"line_bytes\":17000000,\"body_bytes\":12000000,"
        "\"lines\":1000,\"inflated_mib\":16,\"header_bytes\":100000";
    char run_meta[1024], stream_meta[1024], url[1024];
    char *list, *p;
    MindraClient *client, *wrong_client;
    MindraError *error = NULL;
    int scenarios = 0;

    if (!key || !wrong) {
        fprintf(stderr, "capture: set MINDRA_API_KEY and MINDRA_WRONG_KEY\n");
        return 2;
    }
    snprintf(run_meta, sizeof run_meta, "{%s}", knobs);
    snprintf(stream_meta, sizeof stream_meta, "{\"on\":\"stream\",%s}", knobs);
    client = mindra_client_new(NULL, NULL, &error);
    say_error("client_new", error);
    mindra_error_free(error);
    if (!client) return 2;
    mindra_client_set_timeout_ms(client, 1500);
    mindra_client_set_max_retries(client, 1);

    list = scenario_list();
    if (!list) {
        fprintf(stderr, "capture: no scenario list\n");
        return 2;
    }
    for (p = list; (p = strchr(p, '"')) != NULL;) {
        char slug[128];
        size_t n = strcspn(p + 1, "\"");
        if (n >= sizeof slug) break;
        memcpy(slug, p + 1, n);
        slug[n] = '\0';
        p += n + 2;
        scenarios++;
        exercise(client, slug, run_meta, "run", 1);
        exercise(client, slug, stream_meta, "stream", 0);
    }
    free(list);
    printf("scenarios=%d\n", scenarios);

    /* Stream targets that are refused or unknown. */
    read_stream(client, "open.unknown", "ex_doesnotexist", 1);
    snprintf(url, sizeof url, "http://127.0.0.2:1/%s/stream", key);
    read_stream(client, "open.other_origin", url, 1);

    /* A wrong key: 401 everywhere, and echo-key's 401 repeats the wrong key. */
    wrong_client = mindra_client_new(wrong, NULL, NULL);
    if (wrong_client) {
        mindra_client_set_max_retries(wrong_client, 0);
        exercise(wrong_client, "hello", NULL, "wrong key", 1);
        exercise(wrong_client, "echo-key", NULL, "wrong key", 1);
        read_stream(wrong_client, "wrong_key.open", "ex_doesnotexist", 1);
        decide(wrong_client, "wrong_key.approve", "ex_1", "ap_1", 1);
        mindra_client_free(wrong_client);
    }

    /* Configuration errors around the key: the key in the URL's user info, in its path on
     * a closed port, next to a control character, and as the CA file's name. */
    {
        char bad[8][1024];
        int i, count = 0;
        snprintf(bad[count++], sizeof bad[0], "http://%s@127.0.0.1:1", key);
        snprintf(bad[count++], sizeof bad[0], "http://user:%s@127.0.0.1:1", key);
        snprintf(bad[count++], sizeof bad[0], "http://example.com/%s", key);
        snprintf(bad[count++], sizeof bad[0], "ftp://127.0.0.1/%s", key);
        snprintf(bad[count++], sizeof bad[0], "http://127.0.0.1:1/%s\n", key);
        snprintf(bad[count++], sizeof bad[0], "http://[::1/%s", key);
        for (i = 0; i < count; i++) {
            MindraClient *c;
            char where[64];
            error = NULL;
            calls_made++;
            c = mindra_client_new(NULL, bad[i], &error);
            snprintf(where, sizeof where, "config%d", i);
            say_error(where, error);
            mindra_error_free(error);
            mindra_client_free(c);
        }
        /* A valid base URL whose path holds the key: requests fail on a closed port. */
        snprintf(url, sizeof url, "http://127.0.0.1:1/%s", key);
        error = NULL;
        wrong_client = mindra_client_new(NULL, url, &error);
        say_error("key_in_path.client_new", error);
        mindra_error_free(error);
        if (wrong_client) {
            mindra_client_set_max_retries(wrong_client, 0);
            exercise(wrong_client, "hello", NULL, "key in base URL path", 1);
            read_stream(wrong_client, "key_in_path.open", "ex_1", 1);
            decide(wrong_client, "key_in_path.approve", "ex_1", "ap_1", 1);
            mindra_client_free(wrong_client);
        }
        snprintf(url, sizeof url, "/nonexistent/%s.pem", key);
        setenv("MINDRA_CA_FILE", url, 1);
        error = NULL;
        calls_made++;
        wrong_client = mindra_client_new(NULL, NULL, &error);
        say_error("ca_file", error);
        mindra_error_free(error);
        mindra_client_free(wrong_client);
        unsetenv("MINDRA_CA_FILE");
    }

    /* The default client too. */
    {
        MindraRunResult *r = mindra_run_workflow("echo-key", "default client", NULL);
        calls_made++;
        say_run("default.echo-key", r);
        mindra_run_result_free(r);
    }

    mindra_client_free(client);
    printf("calls %ld strings %ld\n", calls_made, strings_printed);
    return harness_failed == 0 ? 0 : 1;
}
