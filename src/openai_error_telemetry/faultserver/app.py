"""The routes: enough of the OpenAI API for the real SDK, with a fault decided per request.

Every API request goes through one pipeline: read the JSON, decide the fault (the
``x-fault`` header first, else the scenario's dice), else ask the rate limiter, then
answer: an error shape, a delay, a reset, or the normal answer (which may itself carry a
stream or background fault). The tally counts each decision.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Mapping
from typing import Any, Callable, Optional

from aiohttp import web

from . import payloads, surfaces, wire
from .calls import Answer, BadRequest, Call, Planned
from .config import ServerConfig
from .control import (
    FAULT_HEADER,
    FAULT_KEY_HEADER,
    Countdown,
    FaultSpec,
    FaultSpecError,
    parse_fault_spec,
)
from .faults import (
    BACKGROUND,
    DEFAULT_EVENTS_BEFORE_FAULT,
    FAULTS,
    HTTP,
    JOB,
    PROMPT_PARAM,
    RESET,
    STREAM_CUT,
    STREAM_ERROR,
    TIMEOUT,
    Fault,
    arg_or_param,
    checked,
    coded_error,
    error_body,
    lookup,
    number_arg,
)
from .jobs import COMPLETED, Job, JobStore, Outcome
from .ratelimiter import RateLimiter, Verdict, go_duration, retry_after_headers
from .surface_routes import SurfaceRoutes
from .tally import Tally
from .webhooks import Webhooks

DEFAULT_MODEL = "gpt-4o-mini"


class FaultServer(SurfaceRoutes):
    """Holds the state (limiter, jobs, tally, countdowns, dice) and builds the app."""

    def __init__(self, config: ServerConfig, clock: Callable[[], float] = time.monotonic):
        self.config = config
        self.clock = clock
        self.started = clock()
        seed = config.seed if config.seed is not None else config.scenario.seed
        self.rng = random.Random(seed)
        self.limiter = RateLimiter(config.rpm, config.tpm, burst_seconds=config.burst_seconds,
                                   clock=clock)
        self.jobs = JobStore(config.max_jobs)
        self.surface_jobs = surfaces.SurfaceStore(config.max_jobs)
        self.webhooks = Webhooks(config.webhook_secret)
        self.tally = Tally()
        self.countdown = Countdown()
        self._in_flight: set[asyncio.Task[Any]] = set()

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/responses", self._responses_create)
        app.router.add_get("/v1/responses/{id}", self._responses_retrieve)
        app.router.add_post("/v1/responses/{id}/cancel", self._responses_cancel)
        self.add_surface_routes(app.router)  # Batches, fine-tuning, runs, agent turns, ...
        self.webhooks.add_routes(app.router)  # signed deliveries, OpenAI health alerts
        app.router.add_post("/v1/embeddings", self._embeddings)
        app.router.add_get("/v1/models", self._models)
        app.router.add_get("/_fault/stats", self._stats)
        app.router.add_post("/_fault/reset", self._reset)
        app.router.add_get("/_fault/faults", self._faults)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        app.on_shutdown.append(self._cancel_in_flight)
        return app

    async def _cancel_in_flight(self, app: web.Application) -> None:
        """On shutdown, stop answers still running (a ``timeout`` fault sleeping 30 s)."""
        for task in list(self._in_flight):
            task.cancel()

    # -- the pipeline -------------------------------------------------------------------

    async def _serve(self, request: web.Request, endpoint: str, answer: Answer,
                     prompt_field: Optional[str] = None) -> web.StreamResponse:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            return await self._pipeline(request, endpoint, answer, prompt_field)
        finally:
            self._in_flight.discard(task)

    async def _pipeline(self, request: web.Request, endpoint: str, answer: Answer,
                        prompt_field: Optional[str]) -> web.StreamResponse:
        try:
            call = await self._call(request, endpoint, prompt_field)
        except BadRequest as exc:
            self.tally.record(endpoint, "none", "400", "request")
            return wire.json_answer(
                error_body(None, str(exc), type_="invalid_request_error"), 400,
                {"x-request-id": payloads.new_id("req_")})
        try:
            planned = self._plan(call)
        except FaultSpecError as exc:
            self.tally.record(endpoint, "invalid_fault", "400", "header")
            return wire.json_answer(
                error_body("invalid_fault", f"{FAULT_HEADER}: {exc}",
                           type_="invalid_request_error", param=FAULT_HEADER),
                400, call.headers())
        if planned is None:
            verdict = self.limiter.admit(call.model, call.tokens)
            call.ratelimit = verdict.headers
            if not verdict.allowed:
                fault = FAULTS["rate_limited" if verdict.kind == "requests"
                               else "rate_limited_tokens"]
                self.tally.record(endpoint, fault.name, "429", "limiter")
                return self._rate_limited(call, fault, verdict)
            return await self._answer_counted(call, answer, None, "none", "none")
        return await self._deliver(call, planned, answer)

    async def _answer_counted(self, call: Call, answer: Answer, planned: Optional[Planned],
                              fault: str, source: str) -> web.StreamResponse:
        """Answer and count it with the status it got (200 if the client left first)."""
        status = "200"
        try:
            response = await answer(call, planned)
            status = str(response.status)
            return response
        finally:
            self.tally.record(call.endpoint, fault, status, source)

    async def _call(self, request: web.Request, endpoint: str,
                    prompt_field: Optional[str]) -> Call:
        body: dict[str, Any] = {}
        if request.content_type.startswith("multipart/"):
            await request.read()  # a form (videos.create): nothing in it steers the answer
        elif request.method == "POST" and request.can_read_body:
            try:
                parsed = json.loads(await request.read() or b"{}")
            except ValueError:
                raise BadRequest(
                    "We could not parse the JSON body of your request. The OpenAI API "
                    "expects a JSON payload, but what was sent was not valid JSON.") from None
            if not isinstance(parsed, dict):
                raise BadRequest("The request body must be a JSON object.")
            body = parsed
        model = body.get("model")
        prompt = body.get(prompt_field) if prompt_field else None
        max_out = body.get("max_completion_tokens") or body.get("max_tokens") \
            or body.get("max_output_tokens")
        tokens = payloads.count_tokens(prompt) if prompt is not None else 1
        if isinstance(max_out, int) and not isinstance(max_out, bool):
            tokens += max(max_out, 0)
        elif prompt_field in ("messages", "input") and endpoint != "embeddings":
            tokens += self.config.words
        return Call(
            request=request,
            endpoint=endpoint,
            body=body,
            model=model if isinstance(model, str) and model else DEFAULT_MODEL,
            tokens=tokens,
            prompt_param=prompt_field,
            stream=body.get("stream") is True,
        )

    def _plan(self, call: Call) -> Optional[Planned]:
        """The header's fault (if it still fires), else the scenario's, else None."""
        text = call.request.headers.get(FAULT_HEADER)
        if text is not None and text.strip():
            spec = parse_fault_spec(text)
            fault = checked(spec)
            if not _applies(fault, spec, call):
                raise FaultSpecError(
                    f"{spec.name!r} does not apply to {call.request.method} "
                    f"{call.request.path}{' (stream)' if call.stream else ''}")
            key = call.request.headers.get(FAULT_KEY_HEADER, "")
            return Planned(fault, spec, "header") if self.countdown.fire(spec, key) else None
        spec_or_none = self.config.scenario.pick(self.clock() - self.started, self.rng)
        if spec_or_none is None:
            return None
        fault = lookup(spec_or_none)
        if not _applies(fault, spec_or_none, call):
            return None
        return Planned(fault, spec_or_none, "scenario")

    async def _deliver(self, call: Call, planned: Planned, answer: Answer) -> web.StreamResponse:
        fault, spec = planned.fault, planned.spec
        endpoint, source = call.endpoint, planned.source
        call.ratelimit = self.limiter.peek(call.model)
        if fault.kind == HTTP:
            assert fault.shape is not None
            self.tally.record(endpoint, fault.name, str(fault.shape.status), source)
            if fault.shape.limit_kind is not None:
                retry_after = spec.number("retry_after", self.config.retry_after)
                verdict = self.limiter.refusal(call.model, fault.shape.limit_kind, retry_after)
                call.ratelimit = verdict.headers
                return self._rate_limited(call, fault, verdict)
            return self._error(call, fault)
        if fault.kind == RESET:
            self.tally.record(endpoint, fault.name, "reset", source)
            wire.reset_connection(call.request)
            return web.Response(status=500)  # never sent: the connection is gone
        if fault.kind == TIMEOUT and not (call.stream and "after" in spec.params):
            return await self._answer_counted(call, _after(self._delay(spec, fault), answer),
                                              None, fault.name, source)
        return await self._answer_counted(call, answer, planned, fault.name, source)

    def _delay(self, spec: FaultSpec, fault: Fault) -> float:
        return number_arg(arg_or_param(spec, fault, str(self.config.timeout_delay)), "delay")

    # -- error answers ------------------------------------------------------------------

    def _error(self, call: Call, fault: Fault) -> web.Response:
        shape = fault.shape
        assert shape is not None
        if shape.html is not None:
            return wire.html_answer(shape.html, shape.status, {})
        param = call.prompt_param if shape.param == PROMPT_PARAM else shape.param
        body = error_body(shape.code, shape.message, type_=shape.type, param=param)
        return wire.json_answer(body, shape.status, call.headers())

    def _rate_limited(self, call: Call, fault: Fault, verdict: Verdict) -> web.Response:
        shape = fault.shape
        assert shape is not None
        message = shape.message.format(
            model=call.model, limit=verdict.limit, used=verdict.used,
            requested=1 if verdict.kind == "requests" else call.tokens,
            retry_after=go_duration(verdict.retry_after),
        )
        body = error_body(shape.code, message, type_=shape.type)
        headers = {**call.headers(), **retry_after_headers(verdict.retry_after)}
        return wire.json_answer(body, 429, headers)

    # -- routes -------------------------------------------------------------------------

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, "chat.completions", self._answer_chat, "messages")

    async def _answer_chat(self, call: Call, planned: Optional[Planned]) -> web.StreamResponse:
        words = payloads.canned_words(self.config.words)
        prompt_tokens = max(call.tokens - self.config.words, 1)
        if not call.stream:
            data = payloads.chat_completion(call.model, words, prompt_tokens)
            return await self._json_or_cut(call, data, planned)
        options = call.body.get("stream_options")
        include_usage = isinstance(options, dict) and options.get("include_usage") is True
        frames = [wire.sse_data(chunk) for chunk in
                  payloads.chat_chunks(call.model, words, prompt_tokens, include_usage)]
        frames.append(wire.SSE_DONE)
        return await self._stream(call, frames, planned, responses=False)

    async def _responses_create(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, "responses.create", self._answer_responses, "input")

    async def _answer_responses(self, call: Call,
                                planned: Optional[Planned]) -> web.StreamResponse:
        outcome = _outcome(planned)
        background = call.body.get("background") is True
        spec = planned.spec if planned is not None else None
        queued = spec.number("queued", self.config.queued_s) if spec else self.config.queued_s
        run = spec.number("run", self.config.run_s) if spec else self.config.run_s
        job = Job(
            id=payloads.new_id("resp_"),
            model=call.model,
            created_at=int(time.time()),
            started=self.clock(),
            background=background,
            input_tokens=max(call.tokens - self.config.words, 1),
            outcome=outcome,
            queued_s=queued if background and not call.stream else 0.0,
            run_s=run if background and not call.stream else 0.0,
        )
        self.jobs.add(job)
        words = payloads.canned_words(self.config.words)
        if call.stream:
            frames = [wire.sse_event(e)
                      for e in payloads.response_events(job, words, outcome.status)]
            return await self._stream(call, frames, planned, responses=True)
        data = payloads.response_object(job, job.status(self.clock()), words)
        return await self._json_or_cut(call, data, planned)

    async def _responses_retrieve(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, "responses.retrieve", self._answer_retrieve)

    async def _answer_retrieve(self, call: Call,
                               planned: Optional[Planned]) -> web.StreamResponse:
        job = self.jobs.get(call.request.match_info["id"])
        if job is None:
            return self._not_found(call)
        words = payloads.canned_words(self.config.words)
        data = payloads.response_object(job, job.status(self.clock()), words)
        return await self._json_or_cut(call, data, planned)

    async def _responses_cancel(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, "responses.cancel", self._answer_cancel)

    async def _answer_cancel(self, call: Call, planned: Optional[Planned]) -> web.StreamResponse:
        job = self.jobs.get(call.request.match_info["id"])
        if job is None:
            return self._not_found(call)
        if not job.background:
            return wire.json_answer(error_body(
                None, "Only background responses can be cancelled.",
                type_="invalid_request_error", param="response_id"), 400, call.headers())
        if not job.cancel(self.clock()) and job.status(self.clock()) != "cancelled":
            return wire.json_answer(error_body(
                None, f"Cannot cancel a response with status '{job.status(self.clock())}'.",
                type_="invalid_request_error", param="response_id"), 400, call.headers())
        words = payloads.canned_words(self.config.words)
        data = payloads.response_object(job, "cancelled", words)
        return await self._json_or_cut(call, data, planned)

    async def _embeddings(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, "embeddings", self._answer_embeddings, "input")

    async def _answer_embeddings(self, call: Call,
                                 planned: Optional[Planned]) -> web.StreamResponse:
        raw = call.body.get("input", "")
        inputs = raw if isinstance(raw, list) and raw and not isinstance(raw[0], int) else [raw]
        dims = call.body.get("dimensions")
        if not isinstance(dims, int) or isinstance(dims, bool) or not 1 <= dims <= 4096:
            dims = self.config.embedding_dimensions
        data = payloads.embeddings(call.model, inputs, dims,
                                   call.body.get("encoding_format") == "base64", call.tokens)
        return await self._json_or_cut(call, data, planned)

    async def _models(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, "models.list", self._answer_models)

    async def _answer_models(self, call: Call, planned: Optional[Planned]) -> web.StreamResponse:
        return await self._json_or_cut(call, payloads.model_list(), planned)

    # -- control routes -----------------------------------------------------------------

    async def _stats(self, request: web.Request) -> web.Response:
        data = {**self.tally.snapshot(), "in_flight": len(self._in_flight),
                "responses_stored": len(self.jobs),
                "uptime_s": round(self.clock() - self.started, 3)}
        return web.json_response(data)

    async def _reset(self, request: web.Request) -> web.Response:
        """Zero the tally, the ``times=`` countdowns and the rate-limit buckets."""
        self.tally.reset()
        self.countdown.reset()
        self.limiter.reset()
        return web.json_response({"reset": True})

    async def _faults(self, request: web.Request) -> web.Response:
        return web.json_response({name: {"kind": f.kind, "summary": f.summary}
                                  for name, f in FAULTS.items()})

    async def _unknown(self, request: web.Request) -> web.Response:
        message = f"Invalid URL ({request.method} {request.path})"
        return wire.json_answer(error_body(None, message, type_="invalid_request_error"), 404,
                                {"x-request-id": payloads.new_id("req_")})

    # -- shared answer helpers ----------------------------------------------------------

    def _not_found(self, call: Call) -> web.Response:
        message = f"Response with id '{call.request.match_info['id']}' not found."
        return wire.json_answer(error_body(None, message, type_="invalid_request_error"), 404,
                                call.headers())

    async def _json_or_cut(self, call: Call, data: Mapping[str, Any],
                           planned: Optional[Planned]) -> web.StreamResponse:
        if planned is not None and planned.fault.kind == STREAM_CUT:
            return await wire.truncated_body(call.request, data, call.headers())
        return wire.json_answer(data, 200, call.headers())

    async def _stream(self, call: Call, frames: list[bytes], planned: Optional[Planned],
                      *, responses: bool) -> web.StreamResponse:
        cut_after: Optional[int] = None
        stall: Optional[tuple[int, float]] = None
        if planned is not None and planned.fault.kind == TIMEOUT:  # a stream that goes quiet
            stall = (int(planned.spec.number("after", 0)),
                     self._delay(planned.spec, planned.fault))
        if planned is not None and planned.fault.kind in (STREAM_CUT, STREAM_ERROR):
            after = int(planned.spec.number("after", DEFAULT_EVENTS_BEFORE_FAULT))
            if planned.fault.kind == STREAM_CUT:
                after = int(number_arg(arg_or_param(planned.spec, planned.fault, str(after)),
                                       "after"))
                cut_after = min(after, len(frames))
            else:
                code = arg_or_param(planned.spec, planned.fault, "server_error")
                frames = [*frames[:after], _error_frame(code, after, responses)]
        return await wire.stream_frames(call.request, call.headers(), frames,
                                        cut_after=cut_after, delay=self.config.chunk_delay,
                                        stall=stall)


def _after(delay: float, answer: Answer) -> Answer:
    """The same answer, ``delay`` seconds late."""

    async def late(call: Call, planned: Optional[Planned]) -> web.StreamResponse:
        await asyncio.sleep(delay)
        return await answer(call, planned)

    return late


def _applies(fault: Fault, spec: FaultSpec, call: Call) -> bool:
    """Whether this fault can be delivered on this endpoint (and stream mode)."""
    if fault.kind == STREAM_ERROR:
        return call.stream
    if fault.kind == BACKGROUND:
        if call.endpoint != "responses.create":
            return False
        return not (call.stream and fault.name == "background_cancelled")
    if fault.kind == JOB:  # on a surface's create, and only an end that surface has
        row = next((r for r in surfaces.SERVED if call.endpoint == f"{r.name}.create"), None)
        if row is None:
            return False
        try:
            surfaces.end_of(row, fault.name, spec)
        except FaultSpecError:
            return False
        return True
    return True


def _outcome(planned: Optional[Planned]) -> Outcome:
    if planned is None or planned.fault.kind != BACKGROUND:
        return COMPLETED
    fault, spec = planned.fault, planned.spec
    if fault.name == "background_failed":
        return Outcome("failed", error_code=arg_or_param(spec, fault, "server_error"))
    if fault.name == "background_incomplete":
        return Outcome("incomplete", reason=arg_or_param(spec, fault, "max_output_tokens"))
    return Outcome("cancelled")


def _error_frame(code: str, sequence: int, responses: bool) -> bytes:
    error = coded_error(code)
    if responses:
        return wire.sse_event({"type": "error", "code": code, "message": error["message"],
                               "param": None, "sequence_number": sequence})
    return wire.sse_data({"error": {**error, "param": None}})
