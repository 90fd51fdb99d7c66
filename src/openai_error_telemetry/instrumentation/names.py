"""The closed set of operation names, and the GenAI conventions' names within it.

An operation is named by the SDK method that made it (``resources.py``): its place in
the SDK's resource layout and the method, ``files.retrieve``, ``batches.list``,
``fine_tuning.jobs.cancel``. Where the GenAI conventions name the operation, their name
is used instead (``chat``, ``text_completion``, ``embeddings``, ``generate_content``,
and ``fetch_response`` for reading a response again). A request no resource method made
is named by its HTTP verb (``get``, ``post``...). No part of a name ever comes from a
URL, a path, an id or anything the caller or the server sends.
"""

from __future__ import annotations

from ..telemetry import semconv

_CHAT = "chat"
_GENERATE = "generate_content"
GENAI_NAMES: dict[str, str] = {
    "chat.completions.create": _CHAT,
    "chat.completions.parse": _CHAT,
    "chat.completions.stream": _CHAT,
    "beta.chat.completions.parse": _CHAT,
    "beta.chat.completions.stream": _CHAT,
    "completions.create": "text_completion",
    "embeddings.create": "embeddings",
    "responses.create": _GENERATE,
    "responses.parse": _GENERATE,
    "responses.stream": _GENERATE,
    "beta.responses.create": _GENERATE,
    "responses.retrieve": semconv.OPERATION_FETCH_RESPONSE,
    "beta.responses.retrieve": semconv.OPERATION_FETCH_RESPONSE,
}
# The Responses API's own operations, for openai.api.type
_RESPONSES_PREFIXES = ("responses.", "beta.responses.")
RESPONSES_NAMES = frozenset(
    {_GENERATE, semconv.OPERATION_FETCH_RESPONSE}
)
# A request made outside every resource method: its verb, from a closed set
VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
OTHER_VERB = "request"


def operation_name(qualified: str) -> str:
    """``chat.completions.create`` -> ``chat``; any other method keeps its own name."""
    return GENAI_NAMES.get(qualified, qualified)


def verb_name(method: str) -> str:
    """The name of a request no resource method made."""
    verb = method.lower()
    return verb if verb in VERBS else OTHER_VERB


def is_responses(name: str) -> bool:
    """Whether ``name`` is an operation of the Responses API."""
    return name in RESPONSES_NAMES or name.startswith(_RESPONSES_PREFIXES)
