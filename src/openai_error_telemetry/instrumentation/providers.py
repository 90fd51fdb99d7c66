"""Which provider a client talks to, as ``gen_ai.provider.name``: one table, a row a host.

The ``openai`` client speaks the OpenAI API to many providers. The client's class says
most (``AzureOpenAI``, openai 3.x's ``BedrockOpenAI``); otherwise the host of its
``base_url``. Values are the GenAI conventions' well-known ones where they have one
(semantic-conventions-genai, ``model/gen-ai/registry.yaml``); the few hosts they do not
name get a lower-case name of ours, marked below. Any other host (a vLLM, Ollama or
LiteLLM server of one's own, a corporate gateway) is ``openai``: the API the client speaks,
as the conventions allow; ``server.address`` says where it went.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..telemetry import semconv
from .facts import server_of

__all__ = ["HOSTS", "Host", "destination", "provider_of"]


class Host(NamedTuple):
    """A host (exact, or a suffix when it starts with "." or "-") and its provider."""

    host: str
    provider: str
    ours: bool = False  # a name the conventions do not list


HOSTS: tuple[Host, ...] = (
    Host("api.openai.com", semconv.PROVIDER_OPENAI),
    Host(".openai.azure.com", semconv.PROVIDER_AZURE),
    Host(".cognitiveservices.azure.com", semconv.PROVIDER_AZURE),
    Host(".services.ai.azure.com", "azure.ai.inference"),
    Host("models.inference.ai.azure.com", "azure.ai.inference"),
    Host("aiplatform.googleapis.com", "gcp.vertex_ai"),
    Host("-aiplatform.googleapis.com", "gcp.vertex_ai"),  # us-central1-aiplatform...
    Host("generativelanguage.googleapis.com", "gcp.gemini"),
    Host("api.anthropic.com", "anthropic"),
    Host("api.cohere.com", "cohere"),
    Host("api.cohere.ai", "cohere"),
    Host(".ml.cloud.ibm.com", "ibm.watsonx.ai"),
    Host("api.perplexity.ai", "perplexity"),
    Host("api.x.ai", "x_ai"),
    Host("api.deepseek.com", "deepseek"),
    Host("api.groq.com", "groq"),
    Host("api.mistral.ai", "mistral_ai"),
    Host("api.together.xyz", "together_ai", ours=True),
    Host("api.together.ai", "together_ai", ours=True),
    Host("openrouter.ai", "openrouter", ours=True),
    Host("api.fireworks.ai", "fireworks_ai", ours=True),
    Host("api.cerebras.ai", "cerebras", ours=True),
)

_EXACT = {row.host: row.provider for row in HOSTS if not row.host.startswith((".", "-"))}
_SUFFIXES = tuple((row.host, row.provider) for row in HOSTS if row.host.startswith((".", "-")))
_MAX_CACHED = 256
_cache: dict[tuple[type, str], str] = {}


def provider_by_host(host: str) -> str:
    host = host.lower().rstrip(".")
    found = _EXACT.get(host)
    if found is not None:
        return found
    if host.endswith(".amazonaws.com") and host.startswith("bedrock"):
        return semconv.PROVIDER_BEDROCK  # bedrock-runtime.<region>.amazonaws.com, ...
    for suffix, provider in _SUFFIXES:
        if host.endswith(suffix):
            return provider
    return semconv.PROVIDER_OPENAI


def provider_of(client: Any, host: str, azure_types: tuple[type, ...],
                bedrock_types: tuple[type, ...]) -> str:
    """The provider of one client talking to ``host``; cached per (class, host)."""
    key = (type(client), host)
    found = _cache.get(key)
    if found is not None:
        return found
    if azure_types and isinstance(client, azure_types):
        found = semconv.PROVIDER_AZURE
    elif bedrock_types and isinstance(client, bedrock_types):
        found = semconv.PROVIDER_BEDROCK
    else:
        found = provider_by_host(host)
    if len(_cache) < _MAX_CACHED:  # bounded: a program with endless hosts pays a lookup
        _cache[key] = found
    return found


# id(client) -> (its base_url object, its class, (host, port, provider)); bounded
_destinations: dict[int, tuple[Any, type, tuple[str, int, str]]] = {}


def destination(client: Any, azure_types: tuple[type, ...],
                bedrock_types: tuple[type, ...]) -> tuple[str, int, str]:
    """``(server.address, server.port, gen_ai.provider.name)`` of a client's calls, read
    once per client and ``base_url``: a later call pays a dict lookup and two identity
    checks (a new ``base_url``, or a new client where a freed one was, reads again)."""
    url = client.base_url
    cached = _destinations.get(id(client))
    if cached is not None and cached[0] is url and cached[1] is type(client):
        return cached[2]
    host, port = server_of(client)
    found = (host, port, provider_of(client, host, azure_types, bedrock_types))
    if len(_destinations) >= _MAX_CACHED:
        _destinations.clear()  # bounded: a program making clients without end reads again
    _destinations[id(client)] = (url, type(client), found)
    return found
