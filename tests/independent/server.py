"""An independent Mindra-compatible server, for checking libmindra against code that is not ours.

Written from the API contract alone (docs/c-api-contract.md in the shared docs), on production
components: Starlette routes the requests, sse-starlette's EventSourceResponse frames and sends the
event stream (its own ServerSentEvent encoder, CRLF line ends, its own ": ping - <time>"
keep-alive comments), and uvicorn (asyncio + h11) serves HTTP/1.1. No SSE byte is written by hand.

    python server.py [--ping SECONDS]

Binds 127.0.0.1 on a free port and prints its base URL (e.g. http://127.0.0.1:40123) as the
first stdout line, flushed, once the app has started; the socket is already listening then.
Logs go to stderr. SIGTERM or SIGINT stops it.

API key: mk_ffffffffffffffffffffffff00000000 in x-api-key, else
401 {"error": ..., "code": "UNAUTHORIZED"}. Every response carries `request-id: rq-<n>` (the
header name without the `x-`, which the contract also accepts).

Endpoints (the contract's table):
  POST /v1/workflows/{slug}/run                                  only slug `approval-demo`
  GET  /api/v1/workflows/execute/{id}/stream                     text/event-stream
  POST /v1/workflows/execute/{id}/approve/{approval_id}          optional {"reason": "..."}
  POST /v1/workflows/execute/{id}/reject/{approval_id}           optional {"reason": "..."}

The `approval-demo` stream: two `chunk`s (the second one non-ASCII), a pause long enough for
at least one keep-alive ping, `approval_request` (its JSON pretty-printed, so it travels as
several `data:` lines), then nothing but pings until a decision arrives. Approved:
`tool_executing`, `tool_result` (a string), `done` "Report sent to ops@example.org: <task>".
Rejected: `tool_result` (a JSON object carrying the reason), `done`
"Report not sent (rejected: <reason>)". A decision that arrives before the stream is opened
counts too.
"""

import argparse
import asyncio
import contextlib
import copy
import itertools
import json
import secrets
import socket
import sys
from datetime import datetime, timezone

import uvicorn
from sse_starlette import EventSourceResponse
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

API_KEY = "mk_ffffffffffffffffffffffff00000000"
SLUG = "approval-demo"
TOOL = "send_report"
RECIPIENT = "ops@example.org"


def error(status, message, code):
    return JSONResponse({"error": message, "code": code}, status_code=status)


class Execution:
    def __init__(self, execution_id, task):
        self.id = execution_id
        self.task = task
        self.approval_id = "apr-" + secrets.token_hex(6)
        self.decided = asyncio.Event()
        self.decision = None  # "approved" or "rejected"
        self.reason = None


EXECUTIONS = {}


class KeyAndRequestId:
    """ASGI middleware: the x-api-key check before routing, and a request-id on every answer."""

    def __init__(self, app):
        self.app = app
        self.counter = itertools.count(1)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = f"rq-{next(self.counter)}".encode()

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + [
                    (b"request-id", request_id)
                ]
            await send(message)

        keys = [v for k, v in scope["headers"] if k == b"x-api-key"]
        if keys != [API_KEY.encode()]:
            response = error(401, "Invalid or missing API key", "UNAUTHORIZED")
            await response(scope, receive, send_with_id)
            return
        await self.app(scope, receive, send_with_id)


async def json_body(request):
    """The request body as a JSON object; an empty body is {}. None when it is neither."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def run(request):
    slug = request.path_params["slug"]
    body = await json_body(request)
    if body is None or not isinstance(body.get("task"), str):
        return error(400, "Body must be a JSON object with a string task", "INVALID_REQUEST")
    if not isinstance(body.get("metadata", {}), (dict, type(None))):
        return error(400, "metadata must be an object", "INVALID_REQUEST")
    if slug != SLUG:
        return error(404, f"No workflow with slug {slug!r}", "WORKFLOW_NOT_FOUND")
    execution = Execution("exec-" + secrets.token_hex(8), body["task"])
    EXECUTIONS[execution.id] = execution
    return JSONResponse(
        {
            "execution_id": execution.id,
            "status": "running",
            "workflow_slug": SLUG,
            "workflow_name": "Approval demo (independent server)",
            "stream_url": f"/api/v1/workflows/execute/{execution.id}/stream",
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "conversation_id": None,
        }
    )


def event(name, payload, pretty=False):
    """One event as sse-starlette takes it: a dict of ServerSentEvent fields (no framing here)."""
    text = json.dumps(payload, indent=2 if pretty else None, ensure_ascii=False)
    return {"event": name, "data": text}


async def events(execution, pause):
    tool_input = {"to": RECIPIENT, "subject": execution.task}
    yield event("chunk", {"content": "Preparing the report. "})
    yield event("chunk", {"content": "Drafted \u2014 r\u00e9sum\u00e9 attached \u2713. "})
    await asyncio.sleep(pause)  # long enough for sse-starlette to send a ping comment
    yield event(
        "approval_request",
        {"approval_id": execution.approval_id, "tool_name": TOOL, "tool_input": tool_input},
        pretty=True,
    )
    await execution.decided.wait()  # sse-starlette keeps pinging meanwhile
    if execution.decision == "approved":
        yield event("tool_executing", {"tool_name": TOOL, "tool_input": tool_input})
        yield event("tool_result", {"tool_name": TOOL, "result": f"delivered to {RECIPIENT}"})
        answer = f"Report sent to {RECIPIENT}: {execution.task}"
    else:
        reason = execution.reason or "no reason given"
        yield event("tool_result", {"tool_name": TOOL, "result": {"skipped": True, "reason": reason}})
        answer = f"Report not sent (rejected: {reason})"
    yield event(
        "done", {"execution_id": execution.id, "status": "completed", "final_answer": answer}
    )


async def stream(request):
    execution = EXECUTIONS.get(request.path_params["execution_id"])
    if execution is None:
        return error(404, "No such execution", "EXECUTION_NOT_FOUND")
    app_state = request.app.state
    return EventSourceResponse(
        events(execution, app_state.pause),
        ping=app_state.ping,
        sep="\r\n",
    )


async def decide(request, decision):
    execution = EXECUTIONS.get(request.path_params["execution_id"])
    if execution is None:
        return error(404, "No such execution", "EXECUTION_NOT_FOUND")
    if request.path_params["approval_id"] != execution.approval_id:
        return error(404, "No such approval", "APPROVAL_NOT_FOUND")
    body = await json_body(request)
    if body is None or not isinstance(body.get("reason"), (str, type(None))):
        return error(400, "Body must be empty or {\"reason\": string}", "INVALID_REQUEST")
    if execution.decided.is_set():
        return error(409, f"Approval already {execution.decision}", "APPROVAL_ALREADY_DECIDED")
    execution.decision = decision
    execution.reason = body.get("reason")
    execution.decided.set()
    return JSONResponse({"status": execution.decision})


async def approve(request):
    return await decide(request, "approved")


async def reject(request):
    return await decide(request, "rejected")


async def not_found(request, exc):
    return error(404, f"No route for {request.url.path}", "NOT_FOUND")


async def method_not_allowed(request, exc):
    return error(405, f"{request.method} not allowed here", "METHOD_NOT_ALLOWED")


def build_app(ping, pause, base_url):
    @contextlib.asynccontextmanager
    async def lifespan(app):
        print(base_url, flush=True)
        yield

    app = Starlette(
        routes=[
            Route("/v1/workflows/{slug}/run", run, methods=["POST"]),
            Route("/api/v1/workflows/execute/{execution_id}/stream", stream, methods=["GET"]),
            Route(
                "/v1/workflows/execute/{execution_id}/approve/{approval_id}",
                approve,
                methods=["POST"],
            ),
            Route(
                "/v1/workflows/execute/{execution_id}/reject/{approval_id}",
                reject,
                methods=["POST"],
            ),
        ],
        exception_handlers={404: not_found, 405: method_not_allowed},
        lifespan=lifespan,
    )
    app.state.ping = ping
    app.state.pause = pause
    return KeyAndRequestId(app)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ping", type=float, default=1.0, help="keep-alive interval, seconds")
    parser.add_argument(
        "--pause", type=float, default=1.3, help="seconds before approval_request (for pings)"
    )
    args = parser.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    host, port = sock.getsockname()
    app = build_app(args.ping, args.pause, f"http://{host}:{port}")
    logging = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    logging["handlers"]["access"]["stream"] = "ext://sys.stderr"  # stdout carries only the URL
    config = uvicorn.Config(
        app,
        log_config=logging,
        log_level="info",
        lifespan="on",
        timeout_graceful_shutdown=1,
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    sys.exit(main())
