"""Span attributes built once from a ``Classification``.

Only failures pay for this module: a success never builds these dictionaries.
Values are low-cardinality except ``openai.request_id``, which goes on spans and logs
but never on metrics.
"""

from __future__ import annotations

from typing import Optional, Union

from ..classification import Classification
from . import semconv
from .semconv import OwnNames

AttributeValue = Union[str, bool, int, float, tuple[str, ...]]
Attributes = dict[str, AttributeValue]


def error_attributes(classification: Classification,
                     names: OwnNames = semconv.OLDER_NAMES) -> Attributes:
    """The span attributes of a failure: our code as ``error.type`` plus the raw facts."""
    attributes: Attributes = {
        semconv.ERROR_TYPE: classification.code.value,
        names.error_retryable: classification.retryable,
        names.failure_source: classification.source,
    }
    kind = classification.rate_limit_kind
    optional: tuple[tuple[Optional[str], object], ...] = (
        (names.error_code, classification.provider_code),
        (names.error_type, classification.provider_type),
        (names.retry_after, classification.retry_after),
        (names.ratelimit_kind, kind),
        (names.request_id, classification.request_id),
        (semconv.HTTP_RESPONSE_STATUS_CODE, classification.http_status),
    )
    for name, value in optional:
        if name is not None and isinstance(value, (str, bool, int, float)):
            attributes[name] = value
    return attributes


def with_error(base: Attributes, classification: Classification) -> Attributes:
    """A metric attribute set plus ``error.type``: the only failure fact a metric carries."""
    attributes = dict(base)
    attributes[semconv.ERROR_TYPE] = classification.code.value
    return attributes
