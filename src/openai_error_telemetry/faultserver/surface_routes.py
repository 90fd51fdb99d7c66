"""The routes of every job surface of ``classify/jobs.py`` (besides Responses).

For each row served (``surfaces.SERVED``): create, list, retrieve and cancel at the
row's API path, the create elsewhere when the API starts the job another way (an agent
turn starts when input events are posted to its session), the reads a surface has
beyond retrieve (an Upload's ``complete``), and the events of an agent session as a
stream (each turn's ``created`` event, then its end when it comes).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional

from aiohttp import web

from ..classify.jobs import Outcome, Surface, outcome_of
from . import surfaces, wire
from .calls import Answer, Call, Planned
from .faults import JOB, STREAM_CUT, error_body

# The longest a session's event stream waits for a turn to end.
MAX_STREAM_WAIT_S = 30.0


class SurfaceRoutes:
    """Mixed into ``FaultServer``: its clock, its store of surface jobs, its pipeline."""

    surface_jobs: surfaces.SurfaceStore
    clock: Callable[[], float]

    if TYPE_CHECKING:
        from .config import ServerConfig

        config: ServerConfig

        async def _serve(self, request: web.Request, endpoint: str, answer: Answer,
                         prompt_field: Optional[str] = None) -> web.StreamResponse: ...

        async def _json_or_cut(self, call: Call, data: Mapping[str, Any],
                               planned: Optional[Planned]) -> web.StreamResponse: ...

        def _not_found(self, call: Call) -> web.Response: ...

    def add_surface_routes(self, router: web.UrlDispatcher) -> None:
        for row in surfaces.SERVED:
            shape = surfaces.SHAPES[row.name]
            base = "/v1/" + row.api_path
            create = "/v1/" + shape.create_path if shape.create_path else base
            router.add_post(create, self._job_route(row, "create"))
            router.add_get(base, self._job_route(row, "list"))
            router.add_get(base + "/{id}", self._job_route(row, "retrieve"))
            if shape.cancelled is not None:  # sessions, invocations, environments: none
                router.add_post(base + "/{id}/cancel", self._job_route(row, "cancel"))
            for action in shape.reads:
                router.add_post(base + "/{id}/" + action, self._job_route(row, "retrieve"))
            if shape.post_cancels:
                router.add_post(base + "/{id}", self._job_route(row, "cancel"))
            if shape.event_prefix is not None:
                router.add_get(create, self._job_route(row, "events"))
        router.add_get("/v1/files/{id}/content", self._file_content)

    def _job_route(self, row: Surface, action: str) -> Any:
        answer = {"create": self._job_create, "list": self._job_list,
                  "retrieve": self._job_retrieve, "cancel": self._job_cancel,
                  "events": self._job_events}[action]

        async def route(request: web.Request) -> web.StreamResponse:
            async def answered(call: Call, planned: Optional[Planned]) -> web.StreamResponse:
                return await answer(row, call, planned)

            return await self._serve(request, f"{row.name}.{action}", answered)

        return route

    async def _job_create(self, row: Surface, call: Call,
                          planned: Optional[Planned]) -> web.StreamResponse:
        spec = planned.spec if planned is not None else None
        fault = planned.fault.name if planned is not None and planned.fault.kind == JOB else None
        queued = spec.number("queued", self.config.queued_s) if spec else self.config.queued_s
        run = spec.number("run", self.config.run_s) if spec else self.config.run_s
        job = surfaces.new_job(row, call.request.match_info.get("parent"),
                               surfaces.end_of(row, fault, spec), self.clock(), queued, run)
        self.surface_jobs.add(job)
        return await self._json_or_cut(
            call, surfaces.job_object(job, job.status(self.clock())), planned)

    async def _file_content(self, request: web.Request) -> web.StreamResponse:
        """A Batch's error file (``error_file_id``), one JSON line per failed request."""

        async def answered(call: Call, planned: Optional[Planned]) -> web.StreamResponse:
            file_id = call.request.match_info["id"]
            job = self.surface_jobs.get(file_id.removeprefix(surfaces.ERROR_FILE_PREFIX))
            if not file_id.startswith(surfaces.ERROR_FILE_PREFIX) or job is None:
                message = f"No such File object: {file_id}"
                return wire.json_answer(error_body(None, message,
                                                   type_="invalid_request_error"),
                                        404, call.headers())
            body = "".join(wire.dumps(line) + "\n" for line in surfaces.error_file_lines(job))
            return web.Response(body=body.encode(), headers=call.headers(),
                                content_type="application/octet-stream")

        return await self._serve(request, "files.content", answered)

    def _surface_job(self, row: Surface, call: Call) -> Optional[surfaces.SurfaceJob]:
        job = self.surface_jobs.get(call.request.match_info["id"])
        if job is None or job.surface is not row:
            return None
        return job

    async def _job_retrieve(self, row: Surface, call: Call,
                            planned: Optional[Planned]) -> web.StreamResponse:
        job = self._surface_job(row, call)
        if job is None:
            return self._not_found(call)
        data = surfaces.job_object(job, job.status(self.clock()))
        if planned is not None and planned.fault.kind == STREAM_CUT:
            return await wire.truncated_body(call.request, data, call.headers())
        # the SDK's poll helpers wait what this says between retrieves
        return wire.json_answer(data, 200, {**call.headers(), "openai-poll-after-ms": "20"})

    def _jobs_of(self, row: Surface, parent: Optional[str]) -> list[surfaces.SurfaceJob]:
        return [job for job in self.surface_jobs.values()
                if job.surface is row and job.parent == parent]

    async def _job_list(self, row: Surface, call: Call,
                        planned: Optional[Planned]) -> web.StreamResponse:
        now = self.clock()
        objects = [surfaces.job_object(job, job.status(now))
                   for job in self._jobs_of(row, call.request.match_info.get("parent"))]
        return await self._json_or_cut(call, surfaces.page(objects), planned)

    async def _job_cancel(self, row: Surface, call: Call,
                          planned: Optional[Planned]) -> web.StreamResponse:
        job = self._surface_job(row, call)
        if job is None:
            return self._not_found(call)
        now = self.clock()
        if not job.cancel(now) and job.status(now) != job.shape.cancelled:
            return wire.json_answer(error_body(
                None, f"Cannot cancel a {row.name} with status '{job.status(now)}'.",
                type_="invalid_request_error"), 400, call.headers())
        return await self._json_or_cut(call, surfaces.job_object(job, job.status(now)), planned)

    async def _job_events(self, row: Surface, call: Call,
                          planned: Optional[Planned]) -> web.StreamResponse:
        """A session's events: each of its turns created, then each end as it comes."""
        jobs = self._jobs_of(row, call.request.match_info.get("parent"))
        response = web.StreamResponse(status=200, headers=call.headers())
        response.content_type = "text/event-stream"
        await response.prepare(call.request)
        for job in jobs:
            await response.write(wire.sse_event(
                surfaces.job_event(job, job.shape.queued, "created")))
        for job in sorted(jobs, key=lambda j: j.ends_at):
            wait = min(job.ends_at - self.clock(), MAX_STREAM_WAIT_S)
            if wait > 0:
                await asyncio.sleep(wait)
            status = job.status(self.clock())
            if outcome_of(row, status) not in (Outcome.PENDING, None):
                await response.write(wire.sse_event(surfaces.job_event(job, status, status)))
        await response.write_eof()
        return response
