"""Operation names: GenAI names where they exist, no ids ever."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openai_error_telemetry.instrumentation.naming import describe


@pytest.mark.parametrize(("method", "url", "name"), [
    ("post", "/chat/completions", "chat"),
    ("POST", "/completions", "text_completion"),
    ("POST", "/embeddings", "embeddings"),
    ("POST", "/responses", "generate_content"),
    ("GET", "/responses/resp_68a1b2", "fetch_response"),
    ("POST", "/responses/resp_68a1b2/cancel", "cancel"),
    ("DELETE", "/responses/resp_68a1b2", "delete"),
    ("GET", "/responses/resp_68a1b2/input_items?limit=5", "input_items"),
    ("POST", "/images/generations", "images.generations"),
    ("POST", "/audio/transcriptions", "audio.transcriptions"),
    ("POST", "/moderations", "moderations"),
    ("POST", "/batches", "batches"),
    ("GET", "/batches/batch_123", "batches.retrieve"),
    ("POST", "/batches/batch_123/cancel", "batches.cancel"),
    ("GET", "/files", "files.list"),
    ("GET", "/files/file-abc123/content", "files.content"),
    ("GET", "/models/gpt-4o", "models.retrieve"),
    ("POST", "/openai/deployments/my-dep/chat/completions", "chat"),
    ("POST", "https://host/v1/chat/completions?api-version=1", "chat"),
])
def test_operation_names(method, url, name):
    assert describe(method, url).name == name


def test_the_response_id_is_found_for_links():
    assert describe("GET", "/responses/resp_68a1b2").response_id == "resp_68a1b2"
    assert describe("POST", "/responses").response_id is None
    assert describe("GET", "/batches/batch_1").response_id is None


@given(
    method=st.sampled_from(["GET", "POST", "DELETE", "PATCH"]),
    segments=st.lists(st.text(alphabet="abcxyz_-0123456789:", min_size=1, max_size=50),
                      max_size=6),
)
def test_no_digit_or_long_segment_ever_reaches_a_name(method, segments):
    name = describe(method, "/" + "/".join(segments)).name
    assert not any(ch.isdigit() for ch in name)
    assert all(len(part) <= 40 for part in name.split("."))
