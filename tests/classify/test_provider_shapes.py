"""The classifier against the error bodies real providers send.

Every row is a shape someone saw on the wire: the ``seen`` column says where (an
issue, a pull request, a docs page or the shared research file). Bodies are retyped
here in the provider's shape, with ids, numbers and long texts changed or shortened. Each row
pins every field a dashboard uses: the code, whether to retry, the raw provider code,
the rate-limit bucket, the retry hint and the request id.
"""

from __future__ import annotations

import importlib
import json
import time
from email.utils import formatdate
from typing import Any, NamedTuple, Optional

import openai
import pytest

from openai_error_telemetry import (
    Classification,
    ErrorCode,
    classify,
    classify_exception,
    classify_http,
)
from openai_error_telemetry.codes import CODE_INFO

C = ErrorCode
RESEARCH = "shared research openai-sdk-failure-surface.md"


class Shape(NamedTuple):
    provider: str
    seen: str
    status: Optional[int]
    headers: Optional[dict[str, str]]
    body: Any
    code: ErrorCode
    retryable: bool
    provider_code: Optional[str] = None
    kind: Optional[str] = None
    retry_after: Any = None
    request_id: Optional[str] = None


def _openai(message: str, type_: Optional[str], code: Any, param: Any = None) -> Any:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def _google(code: int, message: str, status: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status, **extra}}


def _anthropic(type_: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": type_, "message": message},
            "request_id": "req_011CTestShape01"}


_IN_AN_HOUR = formatdate(time.time() + 3600, usegmt=True)

SHAPES: list[Shape] = [
    # ---------------------------------------------------------------- OpenAI
    Shape("openai", "BuilderIO/micro-agent#86 (message); research App. A probe (type tokens)",
          429, {"retry-after-ms": "640", "x-request-id": "req_tpm"},
          _openai("Rate limit reached for gpt-4o in organization org-abc on tokens per min "
                  "(TPM): Limit 30000, Used 29900, Requested 400. Please try again in 640ms.",
                  "tokens", "rate_limit_exceeded"),
          C.RATE_LIMITED, True, "rate_limit_exceeded", "tokens", 0.64, "req_tpm"),
    Shape("openai", f"{RESEARCH} §2 (type requests, RPM)",
          429, None,
          _openai("Rate limit reached for gpt-4 in organization org-abc on requests per min "
                  "(RPM): Limit 3, Used 3, Requested 1.", "requests", "rate_limit_exceeded"),
          C.RATE_LIMITED, True, "rate_limit_exceeded", "requests"),
    Shape("openai", "openai/openai-python#1671 via research §2; App. A probe",
          429, {"retry-after": "0"},
          _openai("You exceeded your current quota, please check your plan and billing "
                  "details.", "insufficient_quota", "insufficient_quota"),
          C.QUOTA_EXHAUSTED, False, "insufficient_quota", None, 0.0),
    Shape("openai", "research §2 (MS Learn dev-proxy; inspect_ai#5340): billing sub-codes",
          429, None,
          _openai("Your credit balance is exhausted.", "insufficient_quota",
                  "credit_balance_exhausted"),
          C.QUOTA_EXHAUSTED, False, "credit_balance_exhausted"),
    Shape("openai", "research §2 slow_down row; App. A probe (retry-after 300)",
          429, {"retry-after": "300"},
          _openai("Please reduce your rate of requests.", "rate_limit_error", "slow_down"),
          C.RATE_LIMITED, True, "slow_down", None, 300.0),
    Shape("openai", "rahul2002m/ChatPDF#6",
          400, None,
          _openai("This model's maximum context length is 4097 tokens. However, your messages "
                  "resulted in 7000 tokens.", "invalid_request_error",
                  "context_length_exceeded", "messages"),
          C.CONTEXT_LENGTH_EXCEEDED, False, "context_length_exceeded"),
    Shape("openai", "research §2 (unsupported_parameter, MetaGPT#1709)",
          400, None,
          _openai("Unsupported parameter: 'max_tokens' is not supported with this model.",
                  "invalid_request_error", "unsupported_parameter", "max_tokens"),
          C.INVALID_REQUEST, False, "unsupported_parameter"),
    Shape("openai", "research §2 (401 invalid_api_key)",
          401, None,
          _openai("Incorrect API key provided: sk-abc***.", "invalid_request_error",
                  "invalid_api_key"),
          C.AUTH_ERROR, False, "invalid_api_key"),
    Shape("openai", "research §2 (home-assistant#120072)",
          403, None,
          _openai("Country, region, or territory not supported", "request_forbidden",
                  "unsupported_country_region_territory"),
          C.PERMISSION_DENIED, False, "unsupported_country_region_territory"),
    Shape("openai", "research §2 (aider#2030)",
          404, None,
          _openai("The model `gpt-9` does not exist or you do not have access to it.",
                  "invalid_request_error", "model_not_found"),
          C.NOT_FOUND, False, "model_not_found"),
    Shape("openai", "research §2 (Bamboo-agent#513: 400, not 404)",
          400, None,
          _openai("Previous response with id 'resp_abc' not found.", "invalid_request_error",
                  "previous_response_not_found", "previous_response_id"),
          C.NOT_FOUND, False, "previous_response_not_found"),
    Shape("openai", "research §2 (image_generation_user_error)",
          400, None,
          {"error": {"message": "Your request was rejected by the safety system.",
                     "type": "image_generation_user_error", "param": None,
                     "code": "moderation_blocked",
                     "moderation_details": {"moderation_stage": "input"}}},
          C.CONTENT_FILTERED, False, "moderation_blocked"),
    Shape("openai", "research §2 (409 ConflictError, retried by the SDK)",
          409, None,
          _openai("Can't add messages to thread while a run is active.",
                  "invalid_request_error", None),
          C.CONFLICT, True),
    Shape("openai", "research §2 (408: SDK raises APIStatusError and retries)",
          408, None, None, C.TIMEOUT, True),
    Shape("openai", "research §2 (500 server_error)",
          500, {"x-request-id": "req_500"},
          _openai("The server had an error while processing your request. Sorry about that!",
                  "server_error", None),
          C.SERVER_ERROR, True, None, None, None, "req_500"),
    Shape("openai", "research App. A probe (500 + x-should-retry: false, 1 attempt)",
          500, {"x-should-retry": "false"},
          _openai("The server had an error.", "server_error", "server_error"),
          C.SERVER_ERROR, False, "server_error"),
    Shape("openai", "research App. A probe (502 HTML, code None)",
          502, {"content-type": "text/html"},
          "<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>",
          C.SERVER_ERROR, True),
    Shape("openai", "research §2 (502/504 often HTML)",
          504, None, b"<html><body><h1>504 Gateway Time-out</h1></body></html>",
          C.TIMEOUT, True),
    Shape("openai", "research §2 (MS Learn dev-proxy: 503 server_is_overloaded)",
          503, None,
          _openai("That model is currently overloaded with other requests.",
                  "service_unavailable_error", "server_is_overloaded"),
          C.OVERLOADED, True, "server_is_overloaded"),
    Shape("openai", "research App. A probe (400 with int code 1234)",
          400, None, _openai("Invalid value.", "invalid_request_error", 1234),
          C.INVALID_REQUEST, False, "1234"),
    # ---------------------------------------------------------------- headers
    Shape("openai", "research §6 + SDK _parse_retry_after_header: retry-after-ms wins",
          429, {"retry-after-ms": "250", "retry-after": "20"},
          _openai("Rate limit reached.", "requests", "rate_limit_exceeded"),
          C.RATE_LIMITED, True, "rate_limit_exceeded", "requests", 0.25),
    Shape("openai", "research §6 (Retry-After may be an HTTP-date, RFC 9110)",
          429, {"Retry-After": _IN_AN_HOUR},
          _openai("Rate limit reached.", None, "rate_limit_exceeded"),
          C.RATE_LIMITED, True, "rate_limit_exceeded", None,
          pytest.approx(3600, abs=600)),  # the date was written at import time
    Shape("openai", "research §6: an HTTP-date in the past means retry now",
          503, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, None,
          C.OVERLOADED, True, None, None, 0.0),
    Shape("azure", "microsoft/copilot-camp#551 header set, remaining tokens set to 0 here",
          429, {"apim-request-id": "3d37de60-0000-4ced-a637-000000000000",
                "x-ratelimit-remaining-requests": "7", "x-ratelimit-remaining-tokens": "0"},
          {"error": {"code": "429", "message": "Rate limit is exceeded. Try again in 2 seconds."}},
          C.RATE_LIMITED, True, "429", "tokens", None, "3d37de60-0000-4ced-a637-000000000000"),
    Shape("anthropic", "anthropics/anthropic-sdk-typescript#616 (x-should-retry: true on 529)",
          529, {"x-should-retry": "true"}, _anthropic("overloaded_error", "Overloaded"),
          C.OVERLOADED, True, None),
    Shape("groq", "Pythagora-io/gpt-pilot#862 (Groq docs: retry-after on 429 only)",
          429, {"retry-after": "2", "x-ratelimit-limit-requests": "14400",
                "x-ratelimit-remaining-requests": "14370",
                "x-ratelimit-remaining-tokens": "17997"},
          _openai("Rate limit reached for model `llama3-70b-8192` in organization `org_x` on "
                  "tokens per minute (TPM): Limit 7000, Used 0, Requested ~12903. Please try "
                  "again in 50.59s.", "tokens", "rate_limit_exceeded"),
          C.RATE_LIMITED, True, "rate_limit_exceeded", "tokens", 2.0),
    # ---------------------------------------------------------------- Azure OpenAI
    Shape("azure", "openai/openai-dotnet#55; compl-ai/compl-ai#20 (innererror)",
          400, None,
          {"error": {"message": "The response was filtered due to the prompt triggering Azure "
                                "OpenAI's content management policy.",
                     "type": None, "param": "prompt", "code": "content_filter", "status": 400,
                     "innererror": {"code": "ResponsibleAIPolicyViolation",
                                    "content_filter_result": {
                                        "hate": {"filtered": False, "severity": "safe"},
                                        "violence": {"filtered": True, "severity": "medium"}}}}},
          C.CONTENT_FILTERED, False, "content_filter"),
    Shape("azure", "stanford-crfm/helm#3327 (no innererror)",
          400, None,
          {"error": {"message": "The response was filtered due to the prompt triggering Azure "
                                "OpenAI's content management policy.",
                     "type": None, "param": "prompt", "code": "content_filter", "status": 400}},
          C.CONTENT_FILTERED, False, "content_filter"),
    Shape("azure", "BerriAI/litellm#16231: code '400', only innererror says why",
          400, None,
          {"error": {"message": "The response was filtered.", "type": None, "param": None,
                     "code": "400",
                     "innererror": {"code": "ResponsibleAIPolicyViolation"}}},
          C.CONTENT_FILTERED, False, "400"),
    Shape("azure", "alex-wolf-ps/dbchatprov2#2; jasonacox/TinyLLM#17 (APIM token limit)",
          429, {"retry-after": "86400"},
          {"error": {"code": "429", "message": "Requests to the ChatCompletions_Create Operation "
                     "under Azure OpenAI API version 2024-05-01-preview have exceeded token rate "
                     "limit of your current OpenAI S0 pricing tier. Please retry after 86400 "
                     "seconds."}},
          C.RATE_LIMITED, True, "429", "tokens", 86400.0),
    Shape("azure", "langchain-ai/langchain#12986 (APIM call rate limit)",
          429, None,
          {"error": {"code": "429", "message": "Requests to the Embeddings_Create Operation "
                     "under Azure OpenAI API version 2023-07-01-preview have exceeded call rate "
                     "limit of your current OpenAI S0 pricing tier. Please retry after 3 "
                     "seconds."}},
          C.RATE_LIMITED, True, "429", "requests"),
    Shape("azure", "run-llama/llama_index#12484; langchain-ai/langchain#17373",
          401, None,
          {"statusCode": 401, "message": "Unauthorized. Access token is missing, invalid, "
           "audience is incorrect (https://cognitiveservices.azure.com), or have expired."},
          C.AUTH_ERROR, False),
    Shape("azure", "Azure-Samples/azure-search-openai-demo-csharp#379; chatboxai/chatbox#646",
          404, None,
          {"error": {"code": "DeploymentNotFound", "message": "The API deployment for this "
                     "resource does not exist. If you created the deployment within the last 5 "
                     "minutes, please wait a moment and try again."}},
          C.NOT_FOUND, False, "DeploymentNotFound"),
    Shape("azure", "Azure-Samples/azure-sql-db-chatbot#3 (firewall, policy-id header)",
          403, {"apim-request-id": "c85f3b15-0000-4482-a190-000000000000",
                "policy-id": "ThrowExceptionDueToTrafficDenied"},
          {"error": {"code": "403",
                     "message": "Access denied due to Virtual Network/Firewall rules."}},
          C.PERMISSION_DENIED, False, "403", None, None, "c85f3b15-0000-4482-a190-000000000000"),
    # ---------------------------------------------------------------- Groq
    Shape("groq", "danielmiessler/Fabric#364; openinterpreter#408",
          429, None,
          _openai("Rate limit reached for model `llama-3.3-70b-versatile` in organization "
                  "`org_x` on tokens per minute (TPM): Limit 6000, Used 3500, Requested 3100. "
                  "Please try again in 6.78s.", "tokens", "rate_limit_exceeded"),
          C.RATE_LIMITED, True, "rate_limit_exceeded", "tokens"),
    Shape("groq", "angerman/llm-groq#15; rashadphz/farfalle#107",
          400, None,
          {"error": {"message": "The model `gemma-7b-it` has been decommissioned and is no "
                                "longer supported.",
                     "type": "invalid_request_error", "code": "model_decommissioned"}},
          C.INVALID_REQUEST, False, "model_decommissioned"),
    # ---------------------------------------------------------------- OpenRouter
    Shape("openrouter", "openrouter.ai/docs/api/reference/errors-and-debugging; "
          "astrio-labs/forall#76",
          402, None,
          {"error": {"message": "This request requires more credits, or fewer max_tokens. You "
                                "requested up to 64000 tokens, but can only afford 2600.",
                     "code": 402, "metadata": {"provider_name": None}},
           "user_id": "user_test"},
          C.QUOTA_EXHAUSTED, False, "402"),
    Shape("openrouter", "open-webui/computer#293 (metadata.raw carries the upstream reason)",
          429, None,
          {"error": {"message": "Provider returned error", "code": 429,
                     "metadata": {"raw": "some/model is temporarily rate-limited upstream.",
                                  "provider_name": "BaseTen",
                                  "limit_source": "upstream_provider_shared_pool"}}},
          C.RATE_LIMITED, True, "429"),
    Shape("openrouter", "openrouter.ai/docs/errors (403: input flagged by moderation)",
          403, None,
          {"error": {"message": "openai/gpt-4o requires moderation on OpenRouter. Your input "
                                "was flagged for \"harassment\".",
                     "code": 403,
                     "metadata": {"reasons": ["harassment"], "provider_name": "OpenAI"}}},
          C.CONTENT_FILTERED, False, "403"),
    Shape("openrouter", "openrouter.ai/docs/errors (408: your request timed out)",
          408, None, {"error": {"message": "Request timed out", "code": 408}},
          C.TIMEOUT, True, "408"),
    Shape("openrouter", "openrouter.ai/docs/errors (502: model down or invalid answer)",
          502, None,
          {"error": {"message": "Provider returned error", "code": 502,
                     "metadata": {"provider_name": "Together"}}},
          C.SERVER_ERROR, True, "502"),
    Shape("openrouter", "openrouter.ai/docs/errors (503: no provider meets routing)",
          503, None,
          {"error": {"message": "No allowed providers are available for the selected model.",
                     "code": 503}},
          C.OVERLOADED, True, "503"),
    # ---------------------------------------------------------------- Together
    Shape("together", "togethercomputer/MoA#27 (type credit_limit on a per-minute limit)",
          429, None,
          _openai("You have been rate limited. Your rate limit is 60 queries per minute. "
                  "Please navigate to https://api.together.xyz/settings/billing to upgrade "
                  "to a paid plan.", "credit_limit", None),
          C.RATE_LIMITED, True, None),
    Shape("together", "harshitv804/LawGPT#4",
          401, None,
          _openai("Invalid API key provided. You can find your API key at "
                  "https://api.together.xyz/settings/api-keys.",
                  "invalid_request_error", "invalid_api_key"),
          C.AUTH_ERROR, False, "invalid_api_key"),
    Shape("together", "HeyPuter/puter#3168 (non-serverless model)",
          400, None,
          {"id": "okkTest-1", "error": {
              "message": "Unable to access non-serverless model some/Model-24B.",
              "type": "invalid_request_error", "param": None, "code": "model_not_available"}},
          C.INVALID_REQUEST, False, "model_not_available"),
    Shape("groq", "continuedev/continue#10920 (daily token cap, TPD); URL says billing",
          429, None,
          _openai("Rate limit reached for model `llama-3.3-70b-versatile` in organization "
                  "`org_x` service tier `on_demand` on tokens per day (TPD): Limit 100000, "
                  "Used 97050, Requested 3619. Please try again in 9m38s. Need more tokens? "
                  "Upgrade to Dev Tier today at https://console.groq.com/settings/billing",
                  "tokens", "rate_limit_exceeded"),
          C.RATE_LIMITED, True, "rate_limit_exceeded", "tokens"),
    # ---------------------------------------------------------------- xAI (not on the list)
    Shape("xai", "continuedev/continue#10373 (body is a bare JSON string)",
          429, None,
          "\"Your team 16f2-test has either used all available credits or reached its monthly "
          "spending limit. To continue making API requests, please purchase more credits or "
          "raise your spending limit.\"",
          C.QUOTA_EXHAUSTED, False),
    Shape("xai", "cline/cline#4826 (per-team tokens per minute)",
          429, None,
          "\"Too many tokens for team e9fe-test and model grok-4-0709. Your team's rate limit "
          "is: Tokens per Minute (actual/limit): 65605/16000.\"",
          C.RATE_LIMITED, True, None, "tokens"),
    Shape("together", "HeyPuter/puter#3168 (dedicated endpoint stopped)",
          400, None,
          {"id": "okkTest-2", "error": {
              "message": "The dedicated endpoint for some/Model-8x22B is not running.",
              "type": "invalid_request_error", "param": None,
              "code": "dedicated_endpoint_not_running"}},
          C.INVALID_REQUEST, False, "dedicated_endpoint_not_running"),
    # ---------------------------------------------------------------- Mistral
    Shape("mistral", "SubtitleEdit/subtitleedit#12921; cline/cline#9085",
          429, None,
          {"object": "error", "message": "Rate limit exceeded", "type": "rate_limited",
           "param": None, "code": "1300", "raw_status_code": 429},
          C.RATE_LIMITED, True, "1300"),
    Shape("mistral", "pydantic/pydantic-ai#1885 (message only)",
          429, None, {"message": "Requests rate limit exceeded"},
          C.RATE_LIMITED, True),
    Shape("mistral", "solbrowse/extension#16; NEKOparapa/AiNiee#641",
          400, None,
          {"object": "error", "message": "Expected last role User or Tool but got assistant",
           "type": "invalid_request_error", "param": None, "code": None},
          C.INVALID_REQUEST, False),
    Shape("mistral", "editor-code-assistant/eca#231 (message is an object)",
          422, None,
          {"object": "error",
           "message": {"detail": [{"type": "extra_forbidden",
                                   "loc": ["body", "max_completion_tokens"],
                                   "msg": "Extra inputs are not permitted"}]},
           "type": "invalid_request_error", "param": None, "code": None},
          C.INVALID_REQUEST, False),
    Shape("mistral", "agent0ai/agent-zero#539",
          401, None, {"detail": "Unauthorized"}, C.AUTH_ERROR, False),
    # ---------------------------------------------------------------- DeepSeek
    Shape("deepseek", "Aider-AI/aider#4851 (body); continuedev/continue#9942 (402)",
          402, None,
          {"error": {"message": "Insufficient Balance", "type": "unknown_error", "param": None,
                     "code": "invalid_request_error"}},
          C.QUOTA_EXHAUSTED, False, "invalid_request_error"),
    Shape("deepseek", "api-docs.deepseek.com/quick_start/error_codes (503 Server Overloaded)",
          503, None, None, C.OVERLOADED, True),
    Shape("deepseek", "api-docs.deepseek.com/quick_start/error_codes (422 Invalid Parameters)",
          422, None, None, C.INVALID_REQUEST, False),
    # ---------------------------------------------------------------- Fireworks
    Shape("fireworks", "GordeyZuev/LEAP#6 (error is a word, message beside it)",
          429, None,
          {"error": "Too Many Requests", "message": "You have exceeded your usage limits. "
           "Please try again later."},
          C.RATE_LIMITED, True),
    Shape("fireworks", "warpdotdev/warp#15107",
          404, None,
          {"message": "Model not found, inaccessible, and/or not deployed", "param": "model",
           "code": "NOT_FOUND", "type": "error"},
          C.NOT_FOUND, False, "NOT_FOUND"),
    Shape("fireworks", "BerriAI/litellm#3465 (404 for a wrong endpoint)",
          404, None,
          {"error": {"object": "error", "type": "invalid_request_error",
                     "message": "model is missing conversation_config, please use "
                                "/completions API instead"}},
          C.NOT_FOUND, False),
    # ---------------------------------------------------------------- Gemini (OpenAI-compatible)
    Shape("gemini", "n4ze3m/page-assist#406 (list-wrapped)",
          429, None,
          [_google(429, "Resource has been exhausted (e.g. check quota).", "RESOURCE_EXHAUSTED")],
          C.RATE_LIMITED, True, "429"),
    Shape("gemini", "googleapis/python-genai#2044 (RetryInfo.retryDelay)",
          429, None,
          [_google(429, "You exceeded your current quota, please check your plan and billing "
                        "details.", "RESOURCE_EXHAUSTED",
                   details=[{"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                             "violations": [{"quotaId": "GenerateRequestsPerMinutePerProject"
                                                        "PerModel-FreeTier"}]},
                            {"@type": "type.googleapis.com/google.rpc.RetryInfo",
                             "retryDelay": "47s"}])],
          C.RATE_LIMITED, True, "429", None, 47.0),
    Shape("gemini", "continuedev/continue#10560; gemini-cli#14811 (upstream error as a string)",
          429, None,
          {"error": {"message": "{\n  \"error\": {\n    \"code\": 429,\n    \"message\": "
                                "\"Resource has been exhausted (e.g. check quota).\",\n    "
                                "\"status\": \"RESOURCE_EXHAUSTED\"\n  }\n}\n",
                     "code": 429, "status": "Too Many Requests"}},
          C.RATE_LIMITED, True, "429"),
    Shape("gemini", "google-gemini/gemini-cli#5191",
          503, None, _google(503, "The model is overloaded. Please try again later.",
                             "UNAVAILABLE"),
          C.OVERLOADED, True, "503"),
    Shape("gemini", "continuedev/continue#10639 (string-wrapped UNAVAILABLE)",
          503, None,
          {"error": {"message": "{\n  \"error\": {\n    \"code\": 503,\n    \"message\": \"This "
                                "model is currently experiencing high demand.\",\n    "
                                "\"status\": \"UNAVAILABLE\"\n  }\n}\n",
                     "code": 503, "status": "Service Unavailable"}},
          C.OVERLOADED, True, "503"),
    Shape("gemini", "google-gemini/gemini-cli#14831 (legacy errors[].reason)",
          429, None,
          [_google(429, "Resource exhausted. Please try again later.", "RESOURCE_EXHAUSTED",
                   errors=[{"message": "Resource exhausted.", "domain": "global",
                            "reason": "rateLimitExceeded"}])],
          C.RATE_LIMITED, True, "429"),
    Shape("gemini", "google-gemini/gemini-cli#4635 (list-wrapped INVALID_ARGUMENT)",
          400, None,
          [_google(400, "Request contains an invalid argument.", "INVALID_ARGUMENT",
                   errors=[{"message": "Request contains an invalid argument.",
                            "domain": "global", "reason": "badRequest"}])],
          C.INVALID_REQUEST, False, "400"),
    Shape("gemini", "google-gemini/gemini-cli#6678; #11248 (input over the window)",
          400, None,
          [_google(400, "The input token count (1200293) exceeds the maximum number of tokens "
                        "allowed (1048576).", "INVALID_ARGUMENT")],
          C.CONTEXT_LENGTH_EXCEEDED, False, "400"),
    Shape("gemini", "google/timesketch#3703 (ErrorInfo reason API_KEY_INVALID)",
          400, None,
          [_google(400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT",
                   details=[{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                             "reason": "API_KEY_INVALID", "domain": "googleapis.com"}])],
          C.AUTH_ERROR, False, "400"),
    Shape("gemini", "continuedev/continue#10290 (API_KEY_INVALID inside a string)",
          400, None,
          {"error": {"message": "{\n  \"error\": {\n    \"code\": 400,\n    \"message\": \"API key "
                                "not valid.\",\n    \"status\": \"INVALID_ARGUMENT\",\n    "
                                "\"details\": [{\"@type\": \"type.googleapis.com/google.rpc."
                                "ErrorInfo\", \"reason\": \"API_KEY_INVALID\"}]\n  }\n}\n",
                     "code": 400, "status": "Bad Request"}},
          C.AUTH_ERROR, False, "400"),
    # ---------------------------------------------------------------- Anthropic (OpenAI-compatible)
    Shape("anthropic", "anthropics/claude-code#35792; #5184",
          529, None, _anthropic("overloaded_error", "Overloaded"),
          C.OVERLOADED, True),
    Shape("anthropic", "sojohnnysaid/project-guide#2; anthropics/claude-code#12186",
          400, None, _anthropic("invalid_request_error",
                                "prompt is too long: 208656 tokens > 200000 maximum"),
          C.CONTEXT_LENGTH_EXCEEDED, False),
    Shape("anthropic", "continuedev/continue#9623 (input tokens per minute)",
          429, None,
          _anthropic("rate_limit_error", "This request would exceed the rate limit for your "
                     "organization of 30,000 input tokens per minute."),
          C.RATE_LIMITED, True, None, "tokens"),
    Shape("anthropic", "ChatGPTNextWeb/NextChat#4964",
          400, None, _anthropic("invalid_request_error",
                                "max_tokens: 10000 > 4096, which is the maximum allowed number "
                                "of output tokens for claude-3-5-sonnet-20240620"),
          C.INVALID_REQUEST, False),
    Shape("anthropic", "sickn33/agentic-awesome-skills#191 (Anthropic via Google's envelope)",
          400, None,
          _google(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                       "\"message\":\"prompt is too long: 200903 tokens > 200000 maximum\"}}",
                  "INVALID_ARGUMENT"),
          C.CONTEXT_LENGTH_EXCEEDED, False, "400"),
    # ---------------------------------------------------------------- vLLM
    Shape("vllm", "vllm-project/vllm#4667 (flat, code 400)",
          400, None,
          {"object": "error", "message": "max_tokens must be at least 1, got -186.",
           "type": "BadRequestError", "param": None, "code": 400},
          C.INVALID_REQUEST, False, "400"),
    Shape("vllm", "vllm-project/vllm#20409 (flat, context length)",
          400, None,
          {"object": "error", "message": "This model's maximum context length is 16384 tokens. "
           "However, you requested 122946 tokens.", "type": "BadRequestError", "param": None,
           "code": 400},
          C.CONTEXT_LENGTH_EXCEEDED, False, "400"),
    Shape("vllm", "harbor-framework/harbor#996 (vLLM >= 0.16, nested)",
          400, None,
          {"error": {"message": "You passed 1015 input tokens and requested 10 output tokens. "
                                "However, the model's context length is only 1024 tokens.",
                     "type": "BadRequestError", "param": "input_tokens", "code": 400}},
          C.CONTEXT_LENGTH_EXCEEDED, False, "400"),
    # ---------------------------------------------------------------- Ollama
    Shape("ollama", "ollama/ollama#3876 (native: error is a sentence)",
          404, None, {"error": "model 'llama3' not found, try pulling it first"},
          C.NOT_FOUND, False),
    Shape("ollama", "netease-youdao/QAnything#555 (OpenAI-compatible /v1)",
          404, None,
          _openai("model \"ollama\" not found, try pulling it first", "api_error", None),
          C.NOT_FOUND, False),
    Shape("ollama", "ollama/ollama-python#149 (status lost: only the sentence is left)",
          None, None, "model 'llama2' not found, try pulling it first",
          C.NOT_FOUND, False),
    # ---------------------------------------------------------------- llama.cpp
    Shape("llama.cpp", "oobabooga/textgen#7257",
          400, None,
          {"error": {"code": 400, "message": "the request exceeds the available context size. "
                     "try increasing the context size or enable context shift",
                     "type": "exceed_context_size_error", "n_prompt_tokens": 14429,
                     "n_ctx": 8192}},
          C.CONTEXT_LENGTH_EXCEEDED, False, "400"),
    Shape("llama.cpp", "ggml-org/llama.cpp#15780 (first version answered 500)",
          500, None,
          {"error": {"code": 500, "message": "the request exceeds the available context size. "
                     "try increasing the context size or enable context shift",
                     "type": "exceed_context_size_error", "n_prompt_tokens": 1407,
                     "n_ctx": 256}},
          C.CONTEXT_LENGTH_EXCEEDED, False, "500"),
]

NAMED_PROVIDERS = {"openai", "azure", "openrouter", "groq", "together", "mistral", "deepseek",
                   "fireworks", "gemini", "anthropic", "vllm", "ollama", "llama.cpp"}


def _timeless(answer: Classification) -> Classification:
    """The answer with ``retry_after`` in whole seconds: an HTTP-date hint shrinks with time."""
    wait = answer.retry_after
    return answer._replace(retry_after=None if wait is None else round(wait))


def _id(shape: Shape) -> str:
    return f"{shape.provider}-{shape.status}-{shape.code.value}"


@pytest.mark.parametrize("shape", SHAPES, ids=[_id(s) for s in SHAPES])
def test_provider_shape(shape: Shape) -> None:
    got = classify_http(shape.status, shape.headers, shape.body)
    assert (got.code, got.retryable) == (shape.code, shape.retryable), shape.seen
    assert got.provider_code == shape.provider_code, shape.seen
    assert got.rate_limit_kind == shape.kind, shape.seen
    assert got.retry_after == shape.retry_after, shape.seen
    assert got.request_id == shape.request_id, shape.seen
    expected_status = shape.status if shape.status is not None and shape.status >= 400 else None
    assert got.http_status == expected_status
    assert got.source == "http"


@pytest.mark.parametrize("shape", SHAPES, ids=[_id(s) for s in SHAPES])
def test_classify_routes_keywords_to_the_same_answer(shape: Shape) -> None:
    """``classify(status=, headers=, body=)`` is the same decision as ``classify_http``."""
    via_keywords = classify(status=shape.status, headers=shape.headers, body=shape.body)
    assert _timeless(via_keywords) == _timeless(classify_http(shape.status, shape.headers,
                                                              shape.body))


HEADER_SHAPES = [s for s in SHAPES if s.headers]


@pytest.mark.parametrize("shape", HEADER_SHAPES, ids=[_id(s) for s in HEADER_SHAPES])
def test_headers_as_the_sdk_hands_them_over(shape: Shape) -> None:
    """The same rows with the ``Headers`` object of the installed SDK's HTTP library."""
    sdk_headers = _http_module().Headers(shape.headers)
    assert _timeless(classify_http(shape.status, sdk_headers, shape.body)) == _timeless(
        classify_http(shape.status, shape.headers, shape.body)
    )


JSON_SHAPES = [s for s in SHAPES if isinstance(s.body, (dict, list))]


@pytest.mark.parametrize("shape", JSON_SHAPES, ids=[_id(s) for s in JSON_SHAPES])
def test_raw_json_bytes_decide_like_the_decoded_body(shape: Shape) -> None:
    """The instrumentation may only hold the raw bytes of a body: same answer."""
    raw = json.dumps(shape.body).encode()
    assert _timeless(classify_http(shape.status, shape.headers, raw)) == _timeless(
        classify_http(shape.status, shape.headers, shape.body)
    )


def test_every_named_provider_has_rows() -> None:
    counts = {name: sum(1 for s in SHAPES if s.provider == name) for name in NAMED_PROVIDERS}
    assert {s.provider for s in SHAPES} >= NAMED_PROVIDERS
    assert min(counts.values()) >= 1
    for big in ("openai", "azure", "gemini", "anthropic", "openrouter", "mistral"):
        assert counts[big] >= 4, big


# ---------------------------------------------------------------------------------------
# Failures no HTTP status carries: they arrive as data (a terminal Response, a stream
# event, a Batch line) or as the SDK's own exceptions. Shapes from the SDK's types and
# the probes in the shared research file (§3, Appendix A).


class DataShape(NamedTuple):
    seen: str
    failure: Any
    code: ErrorCode
    retryable: bool
    provider_code: Optional[str] = None
    request_id: Optional[str] = None


DATA_SHAPES: list[DataShape] = [
    DataShape("research §3.2 + App. A: background Response, status failed, HTTP 200",
              {"id": "resp_bg1", "object": "response", "status": "failed",
               "error": {"code": "rate_limit_exceeded", "message": "Rate limit reached."},
               "_request_id": "req_bg1"},
              C.RATE_LIMITED, True, "rate_limit_exceeded", "req_bg1"),
    DataShape("research §3.2 (ResponseError.code vocabulary, litellm#29223)",
              {"id": "resp_bg2", "object": "response", "status": "failed",
               "error": {"code": "context_length_exceeded", "message": "Too long."}},
              C.CONTEXT_LENGTH_EXCEEDED, False, "context_length_exceeded"),
    DataShape("research §3.1: incomplete_details.reason max_output_tokens",
              {"id": "resp_bg3", "object": "response", "status": "incomplete",
               "incomplete_details": {"reason": "max_output_tokens"}},
              C.OUTPUT_TRUNCATED, False, "max_output_tokens"),
    DataShape("research §3.1: incomplete_details.reason content_filter",
              {"id": "resp_bg4", "object": "response", "status": "incomplete",
               "incomplete_details": {"reason": "content_filter"}},
              C.CONTENT_FILTERED, False, "content_filter"),
    DataShape("research §3.1: a cancelled background response",
              {"id": "resp_bg5", "object": "response", "status": "cancelled"},
              C.CANCELLED, False, "cancelled"),
    DataShape("research App. A: Responses SSE event:error (flat)",
              {"type": "error", "code": "rate_limit_exceeded", "message": "Slow down.",
               "param": None, "sequence_number": 4},
              C.RATE_LIMITED, True, "rate_limit_exceeded"),
    DataShape("research §3.3: response.failed event carrying the Response",
              {"type": "response.failed", "sequence_number": 9,
               "response": {"id": "resp_s1", "object": "response", "status": "failed",
                            "error": {"code": "server_error", "message": "Oops."}}},
              C.SERVER_ERROR, True, "server_error"),
    DataShape("research App. A: chat SSE chunk with error after one good chunk",
              {"error": {"message": "The server had an error.", "type": "server_error",
                         "code": "server_error"}},
              C.SERVER_ERROR, True, "server_error"),
    DataShape("openrouter.ai/docs/api/reference/errors-and-debugging: error as an SSE "
              "data event after HTTP 200",
              {"id": "gen-1", "object": "chat.completion.chunk",
               "error": {"code": 502, "message": "Provider returned error"},
               "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]},
              C.SERVER_ERROR, True, "502"),
    DataShape("research §2 (openai-openapi#302): Batch output line with a 400 body",
              {"id": "batch_req_1", "custom_id": "request-7",
               "response": {"status_code": 400, "request_id": "req_batch7",
                            "body": _openai("This model's maximum context length is 8192 "
                                            "tokens.", "invalid_request_error",
                                            "context_length_exceeded", "messages")},
               "error": None},
              C.CONTEXT_LENGTH_EXCEEDED, False, "context_length_exceeded", "req_batch7"),
]


@pytest.mark.parametrize("shape", DATA_SHAPES, ids=[s.seen[:40] for s in DATA_SHAPES])
def test_failures_that_arrive_as_data(shape: DataShape) -> None:
    got = classify(shape.failure)
    assert (got.code, got.retryable) == (shape.code, shape.retryable), shape.seen
    assert got.provider_code == shape.provider_code, shape.seen
    assert got.request_id == shape.request_id, shape.seen


def _http_module() -> Any:
    """The HTTP library the installed openai major sends through (httpx2 from 3.x)."""
    base = importlib.import_module("openai._base_client")
    return getattr(base, "httpx2", None) or base.httpx


def _sdk_failures() -> list[tuple[str, BaseException, bool, ErrorCode]]:
    http = _http_module()
    request = http.Request("POST", "https://api.openai.com/v1/chat/completions")
    not_json = http.Response(200, request=request, text="<html>captive portal</html>")
    return [
        ("APIConnectionError before any byte", openai.APIConnectionError(request=request),
         False, C.CONNECTION_ERROR),
        ("APIConnectionError after stream data", openai.APIConnectionError(request=request),
         True, C.STREAM_INTERRUPTED),
        ("APITimeoutError", openai.APITimeoutError(request=request), False, C.TIMEOUT),
        ("APIResponseValidationError", openai.APIResponseValidationError(
            response=not_json, body="<html>captive portal</html>"), False,
         C.RESPONSE_VALIDATION),
    ]


@pytest.mark.parametrize("index", range(4), ids=[n for n, *_ in _sdk_failures()])
def test_the_sdk_exceptions_no_http_status_carries(index: int) -> None:
    name, exc, after_response, code = _sdk_failures()[index]
    got = classify_exception(exc, after_response=after_response)
    assert (got.code, got.retryable) == (code, CODE_INFO[code].retryable), name


NOT_FROM_HTTP = {C.CONNECTION_ERROR, C.STREAM_INTERRUPTED, C.RESPONSE_VALIDATION,
                 C.OUTPUT_TRUNCATED, C.CANCELLED, C.UNKNOWN}


def test_every_code_of_the_contract_has_a_real_shape() -> None:
    """Every code but ``unknown`` (nothing identifiable, by definition) is pinned here."""
    from_http = {s.code for s in SHAPES}
    assert from_http == set(CODE_INFO) - NOT_FROM_HTTP
    elsewhere = {s.code for s in DATA_SHAPES} | {code for *_, code in _sdk_failures()}
    assert from_http | elsewhere == set(CODE_INFO) - {C.UNKNOWN}


def test_retryable_column_agrees_with_the_contract() -> None:
    """A row may only differ from the code's contract when the server said so."""
    for shape in SHAPES:
        contract = CODE_INFO[shape.code].retryable
        said = (shape.headers or {}).get("x-should-retry")
        if said is None:
            assert shape.retryable == contract, shape.seen
        else:
            assert shape.retryable == (said == "true"), shape.seen
