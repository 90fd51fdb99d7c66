"""The installed ``openai`` SDK, resolved once at instrument time.

Everything that differs between openai 1.x, 2.x and 3.x is decided here and nowhere
else: which method is one HTTP attempt, which HTTP library (``httpx`` or ``httpx2``)
carries it, and which classes are streams, models and Azure clients.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Optional

# How one HTTP attempt is hooked.
ATTEMPT_SEND_REQUEST = "send_request"  # APIClient._send_request, openai >= 2.31
ATTEMPT_TRANSPORT = "transport"  # the HTTP client's send(), older SDKs


@dataclass(frozen=True)
class SdkLayout:
    """The SDK's classes and hook points for the installed version."""

    version: str
    major: int
    base_client: type
    sync_client: type
    async_client: type
    attempt_hook: str
    http_sync_client: Optional[type]
    http_async_client: Optional[type]
    stream_type: type
    async_stream_type: type
    model_type: type
    azure_types: tuple[type, ...]
    bedrock_types: tuple[type, ...] = ()  # openai 3.x: BedrockOpenAI, AsyncBedrockOpenAI
    webhook_types: tuple[type, ...] = ()  # Webhooks, AsyncWebhooks: unwrap() is local
    # AsyncPaginator and BasePage: a listing's later requests reuse their options
    page_types: tuple[type, ...] = ()
    next_page_types: tuple[type, ...] = ()  # BaseSyncPage, BaseAsyncPage: get_next_page


def _major(version: str) -> int:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else 0


def _azure_types() -> tuple[type, ...]:
    try:
        azure = importlib.import_module("openai.lib.azure")
    except ImportError:
        return ()
    found = getattr(azure, "BaseAzureClient", None)
    return (found,) if isinstance(found, type) else ()


def _bedrock_types() -> tuple[type, ...]:
    try:
        bedrock = importlib.import_module("openai.lib.bedrock")
    except Exception:  # older SDKs have no Bedrock client
        return ()
    found = (getattr(bedrock, "BedrockOpenAI", None), getattr(bedrock, "AsyncBedrockOpenAI", None))
    return tuple(cls for cls in found if isinstance(cls, type))


def _webhook_types() -> tuple[type, ...]:
    try:
        module = importlib.import_module("openai.resources.webhooks")
    except ImportError:  # older SDKs have no webhooks
        return ()
    found = (getattr(module, "Webhooks", None), getattr(module, "AsyncWebhooks", None))
    # the class that defines unwrap (openai 3.x exports a subclass of it)
    owners = (next((k for k in cls.__mro__ if "unwrap" in vars(k)), None)
              for cls in found if isinstance(cls, type))
    return tuple(owner for owner in owners if owner is not None)


def _http_module(major: int) -> object:
    """``httpx2`` carries openai 3.x; ``httpx`` carries 1.x and 2.x."""
    return importlib.import_module("httpx2" if major >= 3 else "httpx")


def detect() -> SdkLayout:
    """Inspect the installed SDK; raises ImportError if ``openai`` is missing."""
    openai = importlib.import_module("openai")
    base = importlib.import_module("openai._base_client")
    streaming = importlib.import_module("openai._streaming")
    version = str(getattr(openai, "__version__", "0"))
    major = _major(version)
    sync_client = base.SyncAPIClient
    has_send_request = "_send_request" in vars(sync_client)
    http_sync: Optional[type] = None
    http_async: Optional[type] = None
    if not has_send_request:
        http = _http_module(major)
        http_sync = getattr(http, "Client")  # noqa: B009 - the module is dynamic
        http_async = getattr(http, "AsyncClient")  # noqa: B009
    return SdkLayout(
        version=version,
        major=major,
        base_client=base.BaseClient,
        sync_client=sync_client,
        async_client=base.AsyncAPIClient,
        attempt_hook=ATTEMPT_SEND_REQUEST if has_send_request else ATTEMPT_TRANSPORT,
        http_sync_client=http_sync,
        http_async_client=http_async,
        stream_type=streaming.Stream,
        async_stream_type=streaming.AsyncStream,
        model_type=openai.BaseModel,
        azure_types=_azure_types(),
        bedrock_types=_bedrock_types(),
        webhook_types=_webhook_types(),
        page_types=(base.AsyncPaginator, base.BasePage),
        next_page_types=(base.BaseSyncPage, base.BaseAsyncPage),
    )
