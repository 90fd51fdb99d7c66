"""The shortcuts taken for speed give the answers the general readers give."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from openai_error_telemetry.classify import envelope, headers

tokens = (st.sampled_from(["rate_limit_exceeded", "insufficient_quota", "tokens", " 429 ",
                           "429", "", "  x  ", "x" * 300, "{", "[1]"])
          | st.text(max_size=20) | st.integers() | st.none() | st.booleans())
messages = (st.sampled_from(["Rate limit reached. Please try again in 1.8s.", "", " lead",
                             '{"error": {"code": "insufficient_quota"}}', "[{}]", "m" * 3000])
            | st.text(max_size=60) | st.none() | st.integers())
openai_objects = st.fixed_dictionaries(
    {}, optional={"code": tokens, "type": tokens, "message": messages, "param": tokens,
                  "extra": tokens})


@given(openai_objects)
def test_the_direct_read_of_an_openai_error_object_agrees_with_the_general_walk(
    body: dict[str, Any],
) -> None:
    direct = envelope.plain_fields(body)
    if direct is not None:
        assert direct == envelope._from_mapping(body, 0)
        assert envelope.fields_from_body({"error": body}) == envelope._from_mapping(body, 0)


@given(st.lists(st.tuples(st.sampled_from(
    ["x-ratelimit-remaining-requests", "X-RateLimit-Limit-Tokens", "x-ratelimit-reset-tokens",
     "retry-after", "Retry-After-Ms", "x-request-id", "x-should-retry", "content-type",
     "apim-request-id"]), st.text(max_size=8)), max_size=12))
def test_exact_header_names_keep_what_the_readers_need(pairs: list[tuple[str, str]]) -> None:
    view = headers.normalize(pairs)
    wanted = {"retry-after", "retry-after-ms", "x-should-retry", "x-request-id",
              "apim-request-id", "x-ratelimit-remaining-requests",
              "x-ratelimit-remaining-tokens", "x-ratelimit-limit-requests",
              "x-ratelimit-limit-tokens"}
    expected: dict[str, str] = {}
    for key, value in pairs:
        expected.setdefault(key.lower(), value)
    assert dict(view) == {k: v for k, v in expected.items() if k in wanted}
    assert headers.normalize(view) is view  # normalizing again costs nothing


def test_the_sdk_shape_takes_the_direct_read() -> None:
    body = {"message": "Rate limit reached", "type": "requests", "param": None,
            "code": "rate_limit_exceeded"}
    assert envelope.plain_fields(body) == envelope._from_mapping(body, 0)
    assert envelope.plain_fields(body) is not None
    assert envelope.plain_fields({**body, "innererror": {"code": "x"}}) is None
