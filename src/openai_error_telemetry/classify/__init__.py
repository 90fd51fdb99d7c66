"""Turning any failure into a ``Classification``: pure, no I/O, no OpenTelemetry, never raises.

``classify()`` takes whatever failed: an exception, an HTTP status with headers and a
body, a terminal Response, a stream event, a Batch line. The typed entry points say
what they take, and those for data that may or may not be a failure (a Response, a
stream event, a Batch line) return None when it is not one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

from ..classification import Classification, Source, Why
from ..codes import CODE_INFO, ErrorCode
from . import headers as _headers
from .envelope import EMPTY, ErrorFields, fields_from_body, plain_fields
from .exceptions import CLASS_STATUS, STREAM_DROP_WORDS, Kind, facts_of
from .jobfacts import JobFacts, job_facts, webhook_facts
from .jobs import FAILURES, Outcome, surface_by_event, surface_of
from .responses import batch_line_facts, field, stream_event_facts
from .rules import NOTHING, decide, decide_kind, status_code_of

__all__ = [
    "classify",
    "classify_batch_line",
    "classify_exception",
    "classify_http",
    "classify_job",
    "classify_job_facts",
    "classify_named_exception",
    "classify_stream_event",
    "classify_webhook_event",
    "is_retryable",
]

_MAX_CAUSES = 6
_RETRYABLE = {code: info.retryable for code, info in CODE_INFO.items()}
_NO_HEADERS: _headers.HeaderMap = {}


def _build(
    code: ErrorCode,
    why: Why,
    *,
    status: Optional[int] = None,
    fields: ErrorFields = EMPTY,
    header_map: _headers.HeaderMap = _NO_HEADERS,
    source: str,
    request_id: Optional[str] = None,
) -> Classification:
    """Assemble the answer; every derived field is computed here and only here."""
    http_status = status if status is not None and 100 <= status <= 599 else None
    retryable = _RETRYABLE[code]
    if retryable is None:
        effective = status_code_of(http_status, fields)
        retryable = effective is not None and effective >= 500
    retry_after = None
    if header_map:  # most failures without headers skip the header readers entirely
        if _headers.should_retry(header_map) is False:
            retryable = False
        retry_after = _headers.retry_after(header_map)
        if not request_id:
            request_id = _headers.request_id(header_map)
    if retry_after is None:
        retry_after = fields.retry_delay
    kind = None
    if code is ErrorCode.RATE_LIMITED:
        kind = decide_kind(fields) or _headers.rate_limit_kind(header_map)
    # positional: a named tuple built from keywords costs about twice as much
    return Classification(
        code, retryable, http_status, fields.code, fields.type, retry_after, kind,
        request_id or None, source, why,
    )


def _unknown(source: str) -> Classification:
    return Classification(ErrorCode.UNKNOWN, False, source=source, decided_by=NOTHING)


def _status_int(value: object) -> Optional[int]:
    if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
        return value
    return None


def classify_http(
    status: Optional[int], headers: object = None, body: object = None
) -> Classification:
    """An HTTP answer: status, headers (any mapping) and body (dict, str, bytes or None)."""
    try:
        fields = fields_from_body(body)
        header_map = _headers.normalize(headers)
        wire = _status_int(status)
        code, why = decide(wire, fields)
        return _build(code, why, status=wire, fields=fields, header_map=header_map,
                      source=Source.HTTP)
    except Exception:
        return _unknown(Source.HTTP)


def _response_body(response: object) -> object:
    """The body of an ``httpx``/``requests`` response, if it was read already."""
    for name in ("_content", "text"):
        try:
            value = getattr(response, name, None)
        except Exception:
            continue
        if isinstance(value, (bytes, str)) and value:
            return value
    return None


def _cause_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current = exc.__cause__ or exc.__context__
    while current is not None and len(chain) < _MAX_CAUSES and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _text(obj: object) -> str:
    """``str(obj)`` of a foreign object, or "" when its ``__str__`` raises anything at
    all: a ``BaseException`` raised by our reading must not reach the app."""
    try:
        text = str(obj)
    except BaseException:  # ours to swallow: the app never asked for this str()
        return ""
    return text if isinstance(text, str) else ""


def _says_stream_drop(exc: BaseException) -> bool:
    text = _text(exc).lower()
    return any(words in text for words in STREAM_DROP_WORDS)


def _transport(exc: BaseException, after_response: bool) -> tuple[ErrorCode, Why]:
    """A connection-level exception, refined by its causes (openai wraps httpx's)."""
    for link in [exc, *_cause_chain(exc)]:
        facts = facts_of(link)
        if facts is None:
            continue
        if facts.code is ErrorCode.TIMEOUT or facts.code is ErrorCode.STREAM_INTERRUPTED:
            return facts.code, Why("transport class", facts.class_name)
        if facts.kind == Kind.AMBIGUOUS and _says_stream_drop(link):
            return ErrorCode.STREAM_INTERRUPTED, Why("transport message words", facts.class_name)
    if after_response:
        return ErrorCode.STREAM_INTERRUPTED, _AFTER_STREAM_DATA
    facts = facts_of(exc)
    return ErrorCode.CONNECTION_ERROR, Why(
        "transport class", facts.class_name if facts is not None else type(exc).__name__)


_AFTER_STREAM_DATA = Why("transport failure after stream data", "after_response")


def _from_status_exception(exc: BaseException, source: str,
                           header_map: Optional[_headers.HeaderMap] = None) -> Classification:
    response = getattr(exc, "response", None)
    status = _status_int(getattr(exc, "status_code", None))
    if status is None:
        status = _status_int(getattr(exc, "status", None))
    if status is None and response is not None:
        status = _status_int(field(response, "status_code")) or _status_int(
            field(response, "status")
        )
    if header_map is None:
        if response is None:
            headers = getattr(exc, "headers", None)
        else:  # the SDK's httpx response first: one getattr, no Mapping check
            headers = getattr(response, "headers", None) or field(response, "headers")
        header_map = _headers.normalize(headers)
    body = getattr(exc, "body", None)
    if body is None and response is not None:
        body = _response_body(response)
    if status is None and not header_map and body is None:
        return _unknown(source)
    fields = plain_fields(body) or fields_from_body(body)
    if fields.code is None and isinstance(getattr(exc, "code", None), (str, int)):
        fields = fields._replace(code=_text(exc.code)[:128])  # type: ignore[attr-defined]
    request_id = getattr(exc, "request_id", None)
    code, why = decide(status, fields)
    return _build(
        code, why, status=status, fields=fields, header_map=header_map,
        source=source, request_id=request_id if isinstance(request_id, str) else None,
    )


def _from_exception(exc: BaseException, after_response: bool) -> Classification:
    """The one exception dispatcher: live exceptions and those known only by name."""
    facts = facts_of(exc)
    source = Source.EXCEPTION
    if facts is None:
        if _status_int(getattr(exc, "status_code", None)) is not None:
            return _from_status_exception(exc, source)
        return _unknown(source)
    if facts.kind == Kind.STATUS:
        return _from_status_exception(exc, source)
    if facts.kind == Kind.BODY:
        fields = fields_from_body(getattr(exc, "body", None))
        code, why = decide(None, fields)
        return _build(code, why, fields=fields, source=source)
    if facts.kind in (Kind.TRANSPORT, Kind.AMBIGUOUS):
        code, why = _transport(exc, after_response)
        return _build(code, why, source=source)
    if facts.kind == Kind.STREAM_HELPER:
        # "Didn't receive a `response.completed` event." from openai's stream helper.
        if "response.completed" in _text(exc):
            return _build(ErrorCode.STREAM_INTERRUPTED,
                          Why("stream helper message", facts.class_name), source=source)
        return _unknown(source)
    if facts.kind == Kind.JOB:
        return _from_job_exception(exc, source)
    if facts.kind == Kind.OPENAI_BASE:
        # e.g. "The api_key client option must be set": nothing but the message to go on.
        if "api_key" in _text(exc).lower():
            return _build(ErrorCode.AUTH_ERROR, Why("exception message", facts.class_name),
                          source=source)
        return _unknown(source)
    assert facts.code is not None
    status = _status_int(getattr(exc, "status_code", None))
    return _build(facts.code, Why("exception class", facts.class_name), status=status,
                  source=source)


def _from_job_exception(exc: BaseException, source: str) -> Classification:
    """PR #3723's errors carry the polled Response; failing that, ``.code``/``.reason``,
    then the error body."""
    found = classify_job(getattr(exc, "response", None))
    if found is not None:
        return found._replace(source=source)
    token = getattr(exc, "code", None) or getattr(exc, "reason", None)
    if isinstance(token, str):
        fields = ErrorFields(code=token[:128])
    else:
        fields = fields_from_body(getattr(exc, "body", None))
    request_id = getattr(exc, "request_id", None)
    code, why = decide(None, fields)
    return _build(code, why, fields=fields, source=source,
                  request_id=request_id if isinstance(request_id, str) else None)


def classify_exception(exc: BaseException, *, after_response: bool = False) -> Classification:
    """Any exception: the SDK's (1.x, 2.x, 3.x), ``httpx``/``httpx2``, ``aiohttp``, ...

    Pass ``after_response=True`` when stream data had already arrived: a transport
    failure then means the stream was interrupted rather than never connected.
    """
    try:
        classification = getattr(exc, "classification", None)
        if isinstance(classification, Classification):
            return classification
        return _from_exception(exc, after_response)
    except Exception:
        return _unknown(Source.EXCEPTION)


_NAMED: dict[tuple[str, str], type[Exception]] = {}
_NAMED_MAX = 256


def _named_class(module: str, name: str) -> type[Exception]:
    """A stand-in class with the given module and name, and nothing else of the real one."""
    key = (module, name)
    cls = _NAMED.get(key)
    if cls is None:
        if len(_NAMED) >= _NAMED_MAX:
            _NAMED.clear()
        cls = type(name, (Exception,), {"__module__": module})
        _NAMED[key] = cls
    return cls


def classify_named_exception(
    name: str,
    *,
    status: Optional[int] = None,
    headers: object = None,
    body: object = None,
    message: Optional[str] = None,
) -> Classification:
    """An exception known only by name (``"RateLimitError"``, ``"httpx.ReadTimeout"``).

    It goes through the same dispatcher as a live exception: a stand-in of that name
    carries the status, headers, body and message given. ``status`` 200 means it
    struck after the response had begun (mid-stream); an SDK status class given no
    status stands for the status the contract implies (``RateLimitError``: 429).
    """
    try:
        module, _, short = name.strip().rpartition(".")
        if not short.isidentifier():
            return _unknown(Source.EXCEPTION)
        exc = _named_class(module, short)(message or "")
        after_response = status == 200
        wire = _status_int(status) if not after_response else None
        facts = facts_of(exc)
        if wire is None and facts is not None and facts.kind == Kind.STATUS:
            wire = CLASS_STATUS.get(short)
        exc.status_code = wire  # type: ignore[attr-defined]
        exc.headers = headers  # type: ignore[attr-defined]
        exc.body = body  # type: ignore[attr-defined]
        exc.response = None  # type: ignore[attr-defined]
        return _from_exception(exc, after_response)
    except Exception:
        return _unknown(Source.EXCEPTION)


def classify_answered(exc: BaseException, header_map: _headers.HeaderMap) -> Classification:
    """The SDK's status error for an answer whose headers were read already (the
    instrumentation's view of them): its body as the SDK parsed it, the headers not read
    twice. Never raises."""
    try:
        return _from_status_exception(exc, Source.EXCEPTION, header_map)
    except Exception:
        return classify_exception(exc)


def classify_job(job: object) -> Optional[Classification]:
    """Any asynchronous job, model or dict: a background Response, a Batch, a
    fine-tuning job, a vector store file or file batch, an Assistants run, a video, an
    evals run (``classify/jobs.py`` has the table).

    None unless it ended without its result (``failed``, ``expired``, ``incomplete``,
    ``cancelled``/``canceled``, or a ``completed`` Batch whose every request failed):
    the case where ``retrieve()`` returns HTTP 200 and raises nothing.
    """
    try:
        return classify_job_facts(job_facts(job))
    except Exception:
        return _unknown(Source.BACKGROUND)


def classify_job_facts(facts: Optional[JobFacts]) -> Optional[Classification]:
    """The classification of a job already read by ``jobs.job_facts`` (so a caller that
    needs both reads the job once); None unless it ended without its result."""
    if facts is None or not facts.without_result:
        return None
    code, why = decide(None, facts.fields)
    return _build(code, why, fields=facts.fields, source=Source.BACKGROUND,
                  request_id=facts.request_id)


def classify_stream_event(event: object) -> Optional[Classification]:
    """A stream event: a chat chunk with ``error``, a Responses ``error``,
    ``response.failed`` or ``response.incomplete`` event. None for any other event."""
    try:
        found = stream_event_facts(event)
        if found is None:
            return None
        facts, fields = found
        if facts is not None:
            fields = facts.fields
        code, why = decide(None, fields)
        return _build(code, why, fields=fields, source=Source.STREAM_EVENT)
    except Exception:
        return _unknown(Source.STREAM_EVENT)


# What a webhook can say without the job's error, which its payload never carries.
_WEBHOOK_TOKENS = {
    Outcome.EXPIRED: "job_expired",
    Outcome.CANCELLED: "cancelled",
}


def classify_webhook_event(event: object) -> Optional[Classification]:
    """A webhook event (``client.webhooks.unwrap()``'s model, or its JSON as a dict)
    announcing that a job ended: ``response.failed``, ``batch.expired``,
    ``fine_tuning.job.failed``, ``eval.run.canceled``, ...

    None for an event about success, or about no job. The payload names only the job
    (``data.id``), never its error, so a failure is ``unknown`` (an expiry ``timeout``, a
    cancel ``cancelled``) until the job itself is classified:
    ``openai_error_telemetry.webhooks.fetch_and_classify(client, event)`` retrieves it.
    """
    try:
        facts = webhook_facts(event)
        if facts is None or facts.outcome not in FAILURES | {Outcome.CANCELLED}:
            return None
        token = _WEBHOOK_TOKENS.get(facts.outcome)
        fields = ErrorFields(code=token) if token is not None else EMPTY
        code, why = decide(None, fields) if token is not None else (ErrorCode.UNKNOWN, NOTHING)
        return _build(code, why, fields=fields, source=Source.WEBHOOK)
    except Exception:
        return _unknown(Source.WEBHOOK)


def classify_batch_line(line: object) -> Optional[Classification]:
    """A line of a Batch output or error file (dict, model or JSON text); None if it succeeded."""
    try:
        facts = batch_line_facts(line)
        if facts is None:
            return None
        code, why = decide(facts.status, facts.fields)
        return _build(
            code, why, status=facts.status, fields=facts.fields,
            source=Source.BATCH_LINE, request_id=facts.request_id,
        )
    except Exception:
        return _unknown(Source.BATCH_LINE)


def _looks_like(failure: object) -> Optional[str]:
    """Which reader a model or dict is for; None for a plain HTTP body."""
    if field(failure, "custom_id") is not None:
        return Source.BATCH_LINE
    if surface_of(failure) is not None:
        return Source.BACKGROUND
    kind = field(failure, "type")
    if isinstance(kind, str):
        if field(failure, "data") is not None and webhook_facts(failure) is not None:
            return Source.WEBHOOK  # a webhook event: {"type", "data": {"id"}}
        if isinstance(failure, Mapping) and not (
                kind == "error" or kind.startswith("response.")
                or surface_by_event(kind) is not None):
            return None
        return Source.STREAM_EVENT
    if isinstance(failure, Mapping) and isinstance(failure.get("status"), str) and (
            "error" in failure or "incomplete_details" in failure) and (
            "object" not in failure):
        return Source.BACKGROUND
    return None


def classify(
    failure: object = None,
    *,
    status: Optional[int] = None,
    headers: object = None,
    body: object = None,
) -> Classification:
    """The one entry point: hand it whatever failed, get a code. Never raises.

    ``classify(exc)``, ``classify(status=429, headers=h, body=b)``,
    ``classify(response)`` for a failed Response, ``classify(event)`` for a stream
    event, ``classify(line)`` for a Batch line. Data that turns out not to be a
    failure (a completed Response) classifies as ``unknown``; ask the typed entry
    points when you need to know whether something failed at all.
    """
    try:
        if isinstance(failure, BaseException):
            return classify_exception(failure)
        if failure is None or isinstance(failure, (str, bytes, bytearray)):
            return classify_http(status, headers, failure if failure is not None else body)
        source = _looks_like(failure)
        if source is None:
            return classify_http(status, headers, failure)
        reader = {
            Source.BATCH_LINE: classify_batch_line,
            Source.STREAM_EVENT: classify_stream_event,
            Source.BACKGROUND: classify_job,
            Source.WEBHOOK: classify_webhook_event,
        }[source]
        return reader(failure) or _unknown(source)
    except Exception:
        return _unknown(Source.HTTP)


def is_retryable(exc: BaseException) -> bool:
    """Whether retrying could help; a predicate for tenacity's ``retry_if_exception``."""
    return classify_exception(exc).retryable
