"""Span attributes built once from a ``Classification``.

Only failures pay for this module: a success never builds these dictionaries.
Values are low-cardinality except ``openai.request_id``, which goes on spans and logs
but never on metrics.
"""

from __future__ import annotations

from typing import Union

from ..classification import Classification
from . import semconv

AttributeValue = Union[str, bool, int, float]
Attributes = dict[str, AttributeValue]


def error_attributes(classification: Classification) -> Attributes:
    """The span attributes of a failure: our code as ``error.type`` plus the raw facts."""
    attributes: Attributes = {
        semconv.ERROR_TYPE: classification.code.value,
        semconv.OPENAI_ERROR_RETRYABLE: classification.retryable,
        semconv.OPENAI_FAILURE_SOURCE: classification.source,
    }
    optional: tuple[tuple[str, object], ...] = (
        (semconv.OPENAI_ERROR_CODE, classification.provider_code),
        (semconv.OPENAI_ERROR_TYPE, classification.provider_type),
        (semconv.OPENAI_RETRY_AFTER, classification.retry_after),
        (semconv.OPENAI_RATELIMIT_KIND, classification.rate_limit_kind),
        (semconv.OPENAI_RATE_LIMIT_KIND_DEPRECATED, classification.rate_limit_kind),
        (semconv.OPENAI_REQUEST_ID, classification.request_id),
        (semconv.HTTP_RESPONSE_STATUS_CODE, classification.http_status),
    )
    for name, value in optional:
        if isinstance(value, (str, bool, int, float)):
            attributes[name] = value
    return attributes


def with_error(base: Attributes, classification: Classification) -> Attributes:
    """A metric attribute set plus ``error.type``: the only failure fact a metric carries."""
    attributes = dict(base)
    attributes[semconv.ERROR_TYPE] = classification.code.value
    return attributes
