"""Tokens per second, by type and by model, in either naming mode."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash_builders

from ..naming import MODEL, TOKEN_TYPE
from ..panels import Query, timeseries_panel
from .common import Selectors


def tokens(s: Selectors) -> dash_builders.Row:
    n = s.n
    if n.input_tokens is not None and n.output_tokens is not None:
        # the latest names: a counter per direction; each gets the type label it lacks,
        # so the two never meet with the same label set
        def typed(by: str) -> str:
            return " or ".join(
                f'label_replace({s.rate(s.m(counter), by)}, "{TOKEN_TYPE}", "{kind}", "", "")'
                for counter, kind in ((n.input_tokens, "input"), (n.output_tokens, "output"))
            )
        by_type = typed("")
        by_model = f"sum by ({MODEL}) ({typed(MODEL)})"
    else:
        every = s.m(f"{n.tokens}_sum")
        by_type = s.rate(every, TOKEN_TYPE)
        by_model = s.rate(every, MODEL)
    return (
        dash_builders.Row("Tokens")
        .with_panel(timeseries_panel(
            60, "Tokens per second by type",
            "Input and output tokens per second reported by successful responses.",
            "short",
            [Query(by_type, "{{gen_ai_token_type}}")],
            stacked=True,
        ))
        .with_panel(timeseries_panel(
            61, "Tokens per second by model",
            "Tokens per second (input + output) per model.",
            "short",
            [Query(by_model, "{{gen_ai_request_model}}")],
        ))
    )
