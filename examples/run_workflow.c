/*
 * run_workflow: start a Mindra workflow from C and print what the server answered.
 *
 *   run_workflow SLUG TASK [METADATA_JSON]
 *
 * Uses the default client, configured from MINDRA_API_KEY and MINDRA_BASE_URL. Exits 0 when
 * the workflow was started, 1 on an error (printed with its kind, message, HTTP status and
 * request id), 2 on bad usage. Only the public header is used.
 */
#include <stdio.h>

#include "mindra.h"

static const char *or_null(const char *text) { return text ? text : "(null)"; }

int main(int argc, char **argv) {
    MindraRunResult *result;
    int status = 0;

    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s SLUG TASK [METADATA_JSON]\n", argv[0]);
        return 2;
    }
    result = mindra_run_workflow(argv[1], argv[2], argc == 4 ? argv[3] : NULL);
    if (result->error == MINDRA_OK) {
        printf("execution_id:    %s\n", result->execution_id);
        printf("status:          %s\n", result->status);
        printf("workflow_slug:   %s\n", result->workflow_slug);
        printf("workflow_name:   %s\n", result->workflow_name);
        printf("stream_url:      %s\n", result->stream_url);
        printf("created_at:      %s\n", result->created_at);
        printf("conversation_id: %s\n", or_null(result->conversation_id));
        printf("request_id:      %s\n", or_null(result->request_id));
    } else {
        fprintf(stderr, "error: %s: %s\n", mindra_error_kind_name((int32_t)result->error),
                result->error_message);
        fprintf(stderr, "  http_status: %u\n", (unsigned)result->http_status);
        fprintf(stderr, "  code:        %s\n", or_null(result->error_code));
        fprintf(stderr, "  request_id:  %s\n", or_null(result->request_id));
        status = 1;
    }
    mindra_run_result_free(result);
    return status;
}
