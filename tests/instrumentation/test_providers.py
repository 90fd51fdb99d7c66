"""gen_ai.provider.name from the client's class and its base_url host."""

from __future__ import annotations

import openai
import pytest

from openai_error_telemetry.instrumentation import providers
from openai_error_telemetry.telemetry import semconv
from tests.instrumentation.harness import chat_body, http, json_response, sequence

# The well-known values of gen_ai.provider.name in the conventions we follow
# (open-telemetry/semantic-conventions-genai, model/gen-ai/registry.yaml at e8fc575).
WELL_KNOWN = {
    "openai", "gcp.gen_ai", "gcp.vertex_ai", "gcp.gemini", "anthropic", "cohere",
    "azure.ai.inference", "azure.ai.openai", "ibm.watsonx.ai", "aws.bedrock", "perplexity",
    "x_ai", "deepseek", "groq", "mistral_ai",
}


@pytest.mark.parametrize(("base_url", "provider"), [
    ("https://api.openai.com/v1", "openai"),
    ("https://api.groq.com/openai/v1", "groq"),
    ("https://api.deepseek.com", "deepseek"),
    ("https://api.mistral.ai/v1", "mistral_ai"),
    ("https://api.x.ai/v1", "x_ai"),
    ("https://api.perplexity.ai", "perplexity"),
    ("https://generativelanguage.googleapis.com/v1beta/openai/", "gcp.gemini"),
    ("https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/l/endpoints/openapi",
     "gcp.vertex_ai"),
    ("https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1", "aws.bedrock"),
    ("https://myres.openai.azure.com/openai/v1", "azure.ai.openai"),
    ("https://API.Together.XYZ/v1", "together_ai"),
    ("https://openrouter.ai/api/v1", "openrouter"),
    ("http://127.0.0.1:8000/v1", "openai"),  # a vLLM of one's own: the API it speaks
    ("http://localhost:11434/v1", "openai"),
    ("https://gateway.example.com/openai/v1", "openai"),
])
def test_the_host_names_the_provider(telemetry, base_url, provider):
    handler, _ = sequence(json_response(200, chat_body()))
    talking_to = openai.OpenAI(api_key="sk-test", base_url=base_url, max_retries=0,
                               http_client=http.Client(transport=http.MockTransport(handler)))
    talking_to.chat.completions.create(model="m", messages=[])
    (op,) = telemetry.spans("operation")
    assert op.attributes["gen_ai.provider.name"] == provider
    (point,) = telemetry.points("gen_ai.client.operation.duration")
    assert point.attributes["gen_ai.provider.name"] == provider


def test_the_class_decides_before_the_host():
    class Custom(openai.OpenAI):
        pass

    bedrock = getattr(openai, "BedrockOpenAI", None)
    assert providers.provider_of(object.__new__(Custom), "api.groq.com", (), ()) == "groq"
    if bedrock is not None:  # openai 3.x
        assert providers.provider_of(object.__new__(bedrock), "my-proxy.internal", (),
                                     (bedrock,)) == "aws.bedrock"
    azure = openai.AzureOpenAI
    assert providers.provider_of(object.__new__(azure), "my-apim.example.com", (azure,),
                                 ()) == "azure.ai.openai"


def test_every_name_is_well_known_or_marked_ours():
    for row in providers.HOSTS:
        assert (row.provider in WELL_KNOWN) is not row.ours, row
    assert semconv.PROVIDER_BEDROCK in WELL_KNOWN


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(providers, "_cache", {})
    for n in range(providers._MAX_CACHED + 50):
        providers.provider_of(object(), f"h{n}.example.com", (), ())
    assert len(providers._cache) == providers._MAX_CACHED


def test_a_client_whose_base_url_changes_is_read_again(telemetry):
    handler, _ = sequence(json_response(200, chat_body()), json_response(200, chat_body()))
    client = openai.OpenAI(api_key="sk-test", base_url="https://api.groq.com/openai/v1",
                           max_retries=0,
                           http_client=http.Client(transport=http.MockTransport(handler)))
    client.chat.completions.create(model="m", messages=[])
    client.base_url = "https://api.mistral.ai:8443/v1"
    client.chat.completions.create(model="m", messages=[])
    first, second = telemetry.spans("operation")
    assert (first.attributes["server.address"], first.attributes["server.port"],
            first.attributes["gen_ai.provider.name"]) == ("api.groq.com", 443, "groq")
    assert (second.attributes["server.address"], second.attributes["server.port"],
            second.attributes["gen_ai.provider.name"]) == ("api.mistral.ai", 8443, "mistral_ai")


def test_the_destinations_are_bounded(monkeypatch):
    monkeypatch.setattr(providers, "_destinations", {})
    clients = [openai.OpenAI(api_key="sk-test", base_url=f"https://h{n}.example.com/v1")
               for n in range(providers._MAX_CACHED + 50)]
    for client in clients:
        assert providers.destination(client, (), ())[0] == client.base_url.host
    assert len(providers._destinations) <= providers._MAX_CACHED
