"""The cited corpus: real failure payloads, each with where it was seen, classified as a
user's ``openai-error-telemetry classify`` would.

``corpus/payloads.jsonl`` is the ``classify`` command's own input format with three more
keys: ``provider``, ``source`` (the public issue, pull request, cassette or provider
source the payload was read from) and ``expect`` (the code). Payloads are retyped in the
provider's shape with long texts shortened and ids changed; nothing is invented, so a
row without a source is not a row. ``judgement``, when present, says why the expected
code is a judgement call; each is listed in ``docs/error-codes.md``.

Run the corpus through the command to see why each row is what it is:
``openai-error-telemetry classify --explain --format table < tests/classify/corpus/payloads.jsonl``
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openai_error_telemetry import ErrorCode
from openai_error_telemetry.cli_classify import KINDS, classify_line
from openai_error_telemetry.codes import CODE_INFO
from tests.classify.test_provider_shapes import DATA_SHAPES, SHAPES

PROVIDER_SHAPES = [*SHAPES, *DATA_SHAPES]  # the older cited table, retyped as Python

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
ROWS: list[dict[str, Any]] = [
    json.loads(line) for line in (HERE / "corpus" / "payloads.jsonl").read_text().splitlines()
    if line.strip()
]


def _id(row: dict[str, Any]) -> str:
    return f"{row['provider']}-{row['source'].rsplit('/', 2)[-2:][-1]}-{row['expect']}"


@pytest.mark.parametrize("row", ROWS, ids=[_id(r) for r in ROWS])
def test_each_real_payload_gets_its_code(row: dict[str, Any]) -> None:
    got = classify_line(json.dumps(row))
    assert got is not None, f"not seen as a failure: {row['source']}"
    assert got.code == ErrorCode(row["expect"]), (row["source"], got.decided_by)
    contract = CODE_INFO[got.code].retryable
    said = {k.lower(): v for k, v in (row.get("headers") or {}).items()}.get("x-should-retry")
    if said == "false":
        assert got.retryable is False
    elif contract is not None:
        assert got.retryable is contract, row["source"]


def test_the_corpus_is_broad_and_cited() -> None:
    assert all(row["source"].startswith("https://") for row in ROWS)
    assert {row["kind"] for row in ROWS} >= set(KINDS) - {"job", "webhook"}
    assert len({row["provider"] for row in ROWS}) >= 15
    # a floor, so the corpus only grows: 300 real payloads, with the provider shapes
    assert len(ROWS) + len(PROVIDER_SHAPES) >= 300


def test_every_judgement_call_is_documented() -> None:
    doc = (ROOT / "docs" / "error-codes.md").read_text()
    for row in ROWS:
        if "judgement" in row:
            assert row["source"] in doc, f"judgement call not in docs: {row['source']}"
