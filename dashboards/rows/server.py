"""Server errors and timeouts: by model, by HTTP status, as a share, and the drops."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash_builders

from ..naming import ERROR_TYPE, MODEL, STATUS_CODE
from ..panels import Query, timeseries_panel
from .common import Selectors


def server_errors(s: Selectors) -> dash_builders.Row:
    server = f'{ERROR_TYPE}=~"server_error|overloaded|timeout"'
    timeout = f'{ERROR_TYPE}="timeout"'
    drops = f'{ERROR_TYPE}=~"connection_error|stream_interrupted"'
    return (
        dash_builders.Row("Server errors and timeouts")
        .with_panel(timeseries_panel(
            30, "Server errors and timeouts by model",
            "Operations per second that failed as server_error, overloaded or timeout, "
            "per model and code.",
            "reqps",
            [Query(s.rate(s.ops(server), f"{MODEL}, {ERROR_TYPE}"),
                   "{{gen_ai_request_model}} {{error_type}}")],
        ))
        .with_panel(timeseries_panel(
            31, "Server-side failures by HTTP status",
            "HTTP attempts per second that failed on the server side, by status code "
            "(empty status: no response arrived, i.e. a client-side timeout).",
            "reqps",
            [Query(s.rate(s.attempts(server), f"{STATUS_CODE}, {ERROR_TYPE}"),
                   "{{http_response_status_code}} {{error_type}}")],
        ))
        .with_panel(timeseries_panel(
            32, "Timeout ratio",
            "Share of calls that ended in a timeout (client timeout, 408, 504); job reads "
            "left out.",
            "percentunit",
            [Query(f"{s.rate(s.calls(timeout), MODEL)} / {s.rate(s.calls(), MODEL)}",
                   "{{gen_ai_request_model}}")],
        ))
        .with_panel(timeseries_panel(
            33, "Connection and stream drops",
            "connection_error (no response at all) and stream_interrupted (the transport "
            "dropped after stream data arrived) per second.",
            "reqps",
            [Query(s.rate(s.ops(drops), f"{MODEL}, {ERROR_TYPE}"),
                   "{{gen_ai_request_model}} {{error_type}}")],
        ))
    )
