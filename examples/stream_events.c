/*
 * stream_events: run a Mindra workflow and watch it work, live.
 *
 *   stream_events SLUG TASK [--approve|--reject|--ask]
 *
 * Prints text chunks as they arrive, shows tool calls and their results, and answers approval
 * requests: --approve or --reject decide by flag, --ask (the default) asks on the terminal.
 * Ends with the final answer. Uses the default client (MINDRA_API_KEY, MINDRA_BASE_URL) and
 * only the public header. Exits 0 on a completed run, 1 on an error, 2 on bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "mindra.h"

enum decision_mode { ASK, APPROVE, REJECT };

static int report_error(const char *what, MindraError *error) {
    if (error) {
        fprintf(stderr, "\n%s failed: %s: %s (HTTP %u, code %s, request id %s)\n", what,
                mindra_error_kind_name((int32_t)error->kind), error->message,
                (unsigned)error->http_status, error->code ? error->code : "-",
                error->request_id ? error->request_id : "-");
        mindra_error_free(error);
    }
    return 1;
}

static int wants_approval(enum decision_mode mode, const MindraEvent *event) {
    char answer[16];
    if (mode != ASK) {
        return mode == APPROVE;
    }
    fprintf(stderr, "Approve %s %s? [y/N] ", event->tool_name ? event->tool_name : "tool",
            event->tool_input ? event->tool_input : "");
    if (!fgets(answer, sizeof answer, stdin)) {
        return 0;
    }
    return answer[0] == 'y' || answer[0] == 'Y';
}

int main(int argc, char **argv) {
    enum decision_mode mode = ASK;
    MindraRunResult *run;
    MindraStream *stream;
    MindraEvent *event;
    MindraError *error = NULL;
    int status = 1;

    if (argc == 4 && strcmp(argv[3], "--approve") == 0) {
        mode = APPROVE;
    } else if (argc == 4 && strcmp(argv[3], "--reject") == 0) {
        mode = REJECT;
    } else if (argc != 3 && !(argc == 4 && strcmp(argv[3], "--ask") == 0)) {
        fprintf(stderr, "usage: %s SLUG TASK [--approve|--reject|--ask]\n", argv[0]);
        return 2;
    }

    run = mindra_run_workflow(argv[1], argv[2], NULL);
    if (run->error != MINDRA_OK) {
        fprintf(stderr, "run failed: %s: %s\n", mindra_error_kind_name((int32_t)run->error),
                run->error_message);
        mindra_run_result_free(run);
        return 1;
    }
    printf("started %s (%s)\n", run->execution_id, run->workflow_name);

    stream = mindra_stream_open(NULL, run->stream_url, &error);
    if (!stream) {
        mindra_run_result_free(run);
        return report_error("opening the stream", error);
    }
    while ((event = mindra_stream_next(stream, &error)) != NULL) {
        switch (event->type) {
        case MINDRA_EVENT_CHUNK:
            fputs(event->content, stdout);
            break;
        case MINDRA_EVENT_TOOL_EXECUTING:
            printf("\n[tool] %s %s\n", event->tool_name, event->tool_input ? event->tool_input : "");
            break;
        case MINDRA_EVENT_TOOL_RESULT:
            printf("[tool result] %s: %s\n", event->tool_name, event->result ? event->result : "");
            break;
        case MINDRA_EVENT_APPROVAL_REQUEST: {
            int approve = wants_approval(mode, event);
            MindraErrorKind kind =
                approve ? mindra_approve(NULL, run->execution_id, event->approval_id, NULL, &error)
                        : mindra_reject(NULL, run->execution_id, event->approval_id,
                                        "declined from stream_events", &error);
            printf("\n[approval] %s %s\n", event->approval_id, approve ? "approved" : "rejected");
            if (kind != MINDRA_OK) {
                report_error(approve ? "approving" : "rejecting", error);
                error = NULL;
            }
            break;
        }
        case MINDRA_EVENT_DONE:
            printf("\n[done] %s\nfinal answer: %s\n", event->status ? event->status : "-",
                   event->final_answer ? event->final_answer : "(none)");
            status = 0;
            break;
        case MINDRA_EVENT_OTHER:
        default:
            printf("\n[%s] %s\n", event->event, event->data);
            break;
        }
        fflush(stdout);
        mindra_event_free(event);
    }
    if (error) {
        status = report_error("streaming", error);
    }
    mindra_stream_free(stream);
    mindra_run_result_free(run);
    return status;
}
