"""The main dashboard, "OpenAI / API errors": what failed, why, and what it cost.

Rows go from the overview to the detail a responder needs next: failures by code,
rate limits, server errors and timeouts, latency, background jobs, tokens, and a table
that jumps to the traces and logs of one code.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from grafana_foundation_sdk.builders import dashboard as dash_builders
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    DashboardLinkType,
    DataSourceRef,
    VariableRefresh,
    VariableSort,
)

from openai_error_telemetry.codes import Family, codes_of

from . import naming
from .config import JOB_ENDS_NOT_FAILED, Config
from .naming import (
    ERROR_TYPE,
    MODEL,
    OPERATION,
    PROVIDER,
    STATUS_CODE,
    TOKEN_TYPE,
    Names,
)
from .panels import (
    PROMETHEUS,
    Query,
    bargauge_panel,
    stat_panel,
    table_panel,
    timeseries_panel,
)
from .promql import codes, selector

RATE = "$__rate_interval"
JOB = 'job=~"$job"'
MODEL_M = f'{MODEL}=~"$model"'
PROVIDER_M = f'{PROVIDER}=~"$provider"'
OPERATION_M = f'{OPERATION}=~"$operation"'
FAILED = f'{ERROR_TYPE}!=""'
CODE_M = f'{ERROR_TYPE}=~"$error_type"'

# How the "failures by code" panel stacks the codes, from the contract's families: one
# series per code for the families an alert watches, one per family for the rest, so
# the stack always adds up to all failures.
_PER_CODE = (Family.RATE, Family.QUOTA, Family.SERVER, Family.TIMEOUT)
CODE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    group
    for family in Family
    for group in (
        [(code.value, (code.value,)) for code in codes_of(family)] if family in _PER_CODE
        else [(family.value, tuple(code.value for code in codes_of(family)))]
    )
)


class _Ops:
    """Selectors over one naming variant, with the dashboard's variable matchers."""

    def __init__(self, n: Names, config: Config) -> None:
        self.n = n
        self.extra = config.selector

    def m(self, metric: str, *matchers: str, operation: bool = True) -> str:
        common = [JOB, self.extra, PROVIDER_M, MODEL_M] + ([OPERATION_M] if operation else [])
        return selector(metric, *common, *matchers)

    def ops(self, *matchers: str) -> str:
        return self.m(self.n.duration("count"), *matchers)

    def rate(self, series: str, by: str = "") -> str:
        head = f"sum by ({by}) " if by else "sum "
        return f"{head}(rate({series}[{RATE}]))"


def _variables(n: Names, config: Config) -> list[dash_builders.QueryVariable]:
    count = n.duration("count")
    extra = config.selector

    def var(name: str, label: str, query: str, all_value: str) -> dash_builders.QueryVariable:
        return (
            dash_builders.QueryVariable(name)
            .label(label)
            .datasource(PROMETHEUS)
            .query(query)
            .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
            .sort(VariableSort.ALPHABETICAL_ASC)
            .multi(True)
            .include_all(True)
            .all_value(all_value)
        )

    def values(label: str, *matchers: str) -> str:
        return f"label_values({selector(count, *matchers, extra)}, {label})"

    return [
        var("job", "job", values("job", 'job!=""'), ".+"),
        var("provider", "provider", values(PROVIDER, JOB), ".*"),
        var("model", "model", values(MODEL, JOB, PROVIDER_M), ".*"),
        var("operation", "operation", values(OPERATION, JOB), ".*"),
        var("error_type", "error type", values(ERROR_TYPE, JOB, FAILED), ".*"),
    ]


def _overview(o: _Ops, config: Config) -> dash_builders.Row:
    n = o.n
    all_ops = o.rate(o.ops())
    failed = o.rate(o.ops(FAILED))
    retried = o.rate(o.m(n.attempts, FAILED, f'{n.will_retry}="true"'))
    quota = o.rate(o.ops(f'{ERROR_TYPE}="quota_exhausted"'))
    budget = 1 - config.slo_target
    slo_failed = o.rate(o.ops(f'{ERROR_TYPE}=~"{codes(config.slo_error_codes)}"'))
    return (
        dash_builders.Row("Overview")
        .with_panel(stat_panel(
            1, "Request rate",
            "Operations per second (one per SDK call, however many HTTP attempts it took).",
            "reqps", [Query(all_ops, "operations/s")],
        ))
        .with_panel(stat_panel(
            2, "Failure ratio",
            "Share of operations that ended in an error, after the SDK's own retries. "
            "Any error code counts here.",
            "percentunit", [Query(f"({failed}) / ({all_ops})", "failed")],
            thresholds=((None, "green"), (0.01, "orange"), (0.05, "red")),
        ))
        .with_panel(stat_panel(
            3, "Attempts hidden by retries",
            "Failed HTTP attempts per second that the SDK retried: failures the "
            "application never saw, but that cost time and quota.",
            "reqps", [Query(retried, "retried attempts/s")],
            thresholds=((None, "green"), (0.1, "orange")),
        ))
        .with_panel(stat_panel(
            4, "Quota state",
            "quota_exhausted failures per second. Anything above zero means the account "
            "is out of credit or over a spend limit: it does not heal by itself.",
            "reqps", [Query(f"({quota}) or vector(0)", "quota_exhausted/s")],
            thresholds=((None, "green"), (1e-9, "red")),
        ))
        .with_panel(timeseries_panel(
            5, "Operations by outcome",
            "Operations per second, successes and failures (by error code) stacked.",
            "reqps",
            [
                Query(o.rate(o.ops(f'{ERROR_TYPE}=""')), "ok"),
                Query(o.rate(o.ops(FAILED, CODE_M), ERROR_TYPE), "{{error_type}}"),
            ],
            stacked=True,
        ))
        .with_panel(timeseries_panel(
            6, "Availability error ratio vs objective",
            f"Share of operations failing with a code that spends the availability "
            f"budget ({', '.join(config.slo_error_codes)}); the objective allows "
            f"{budget:.4g}.",
            "percentunit",
            [
                Query(f"({slo_failed}) / ({all_ops})", "error ratio"),
                Query(f"({all_ops}) * 0 + {budget:.6g}", "budget"),
            ],
        ))
    )


def _by_code(o: _Ops) -> dash_builders.Row:
    groups = [
        Query(o.rate(o.ops(f'{ERROR_TYPE}=~"{codes(members)}"', CODE_M)), label)
        for label, members in CODE_GROUPS
    ]
    return (
        dash_builders.Row("Failures by code")
        .with_panel(timeseries_panel(
            10, "Failures by code",
            "Failed operations per second, stacked: each rate, quota, server and timeout "
            "code alone (rate_limited, quota_exhausted, overloaded, server_error, timeout), "
            "then one series per family: auth, connection, client (fix the request), "
            "content and other.",
            "reqps", groups, stacked=True, width=16,
        ))
        .with_panel(bargauge_panel(
            11, "Failure share by code",
            "Each code's share of all failed operations over the selected interval.",
            "percentunit",
            [Query(
                f"{o.rate(o.ops(FAILED, CODE_M), ERROR_TYPE)} / ignoring({ERROR_TYPE}) "
                f"group_left {o.rate(o.ops(FAILED, CODE_M))}",
                "{{error_type}}",
            )],
            width=8,
        ))
        .with_panel(timeseries_panel(
            12, "Failure ratio by model",
            "Share of each model's operations that failed, any code.",
            "percentunit",
            [Query(
                f"{o.rate(o.ops(FAILED, CODE_M), MODEL)} / {o.rate(o.ops(), MODEL)}",
                "{{gen_ai_request_model}}",
            )],
        ))
        .with_panel(timeseries_panel(
            13, "Failures by operation and code",
            "Failed operations per second by operation (chat, embeddings, "
            "generate_content, ...) and code.",
            "reqps",
            [Query(
                o.rate(o.ops(FAILED, CODE_M), f"{OPERATION}, {ERROR_TYPE}"),
                "{{gen_ai_operation_name}} {{error_type}}",
            )],
        ))
    )


def _rate_limits(o: _Ops) -> dash_builders.Row:
    n = o.n
    kind = n.ratelimit_kind
    remaining = o.m(n.ratelimit_remaining, operation=False)
    limit = o.m(n.ratelimit_limit, operation=False)
    return (
        dash_builders.Row("Rate limits")
        .with_panel(timeseries_panel(
            20, "429 attempts: requests vs tokens vs quota",
            "HTTP attempts answered 429 per second, split into rate_limited (slow down, it "
            "heals) by the limit that ran out (requests or tokens) and quota_exhausted "
            "(billing, it does not), and whether the SDK retried.",
            "reqps",
            [Query(
                o.rate(
                    o.m(n.attempts, f'{STATUS_CODE}="429"'),
                    f"{ERROR_TYPE}, {kind}, {n.will_retry}",
                ),
                f"{{{{error_type}}}} {{{{{kind}}}}} retried={{{{{n.will_retry}}}}}",
            )],
            stacked=True,
        ))
        .with_panel(timeseries_panel(
            21, "Rate-limit headroom (requests vs tokens)",
            "Lowest remaining/limit in each interval, from the x-ratelimit-remaining-* and "
            "x-ratelimit-limit-* headers, per model and limit kind (requests or tokens).",
            "percentunit",
            [Query(
                f"min by ({MODEL}, {kind}) (min_over_time({remaining}[{RATE}])) / "
                f"max by ({MODEL}, {kind}) (max_over_time({limit}[{RATE}]))",
                f"{{{{gen_ai_request_model}}}} {{{{{kind}}}}}",
            )],
        ))
        .with_panel(timeseries_panel(
            22, "Time lost to retry backoff",
            "Seconds the SDK slept before retries, per second of wall time, by the code "
            "that caused the retry. 1 means one call was always waiting.",
            "s",
            [Query(
                o.rate(o.m(f"{n.retry_delay}_sum"), ERROR_TYPE), "{{error_type}}",
            )],
            stacked=True,
        ))
        .with_panel(timeseries_panel(
            23, "Rate-limited operations by model",
            "Operations that still failed as rate_limited after the SDK's retries, per model.",
            "reqps",
            [Query(
                o.rate(o.ops(f'{ERROR_TYPE}="rate_limited"'), MODEL),
                "{{gen_ai_request_model}}",
            )],
        ))
    )


def _server_errors(o: _Ops) -> dash_builders.Row:
    n = o.n
    server = f'{ERROR_TYPE}=~"server_error|overloaded|timeout"'
    timeout = f'{ERROR_TYPE}="timeout"'
    return (
        dash_builders.Row("Server errors and timeouts")
        .with_panel(timeseries_panel(
            30, "Server errors and timeouts by model",
            "Operations per second that failed as server_error, overloaded or timeout, "
            "per model and code.",
            "reqps",
            [Query(
                o.rate(o.ops(server), f"{MODEL}, {ERROR_TYPE}"),
                "{{gen_ai_request_model}} {{error_type}}",
            )],
        ))
        .with_panel(timeseries_panel(
            31, "Server-side failures by HTTP status",
            "HTTP attempts per second that failed on the server side, by status code "
            "(empty status: no response arrived, i.e. a client-side timeout).",
            "reqps",
            [Query(
                o.rate(o.m(n.attempts, server), f"{STATUS_CODE}, {ERROR_TYPE}"),
                "{{http_response_status_code}} {{error_type}}",
            )],
        ))
        .with_panel(timeseries_panel(
            32, "Timeout ratio",
            "Share of operations that ended in a timeout (client timeout, 408, 504).",
            "percentunit",
            [Query(
                f"{o.rate(o.ops(timeout), MODEL)} / {o.rate(o.ops(), MODEL)}",
                "{{gen_ai_request_model}}",
            )],
        ))
        .with_panel(timeseries_panel(
            33, "Connection and stream drops",
            "connection_error (no response at all) and stream_interrupted (the transport "
            "dropped after stream data arrived) per second.",
            "reqps",
            [Query(
                o.rate(
                    o.ops(f'{ERROR_TYPE}=~"connection_error|stream_interrupted"'),
                    f"{MODEL}, {ERROR_TYPE}",
                ),
                "{{gen_ai_request_model}} {{error_type}}",
            )],
        ))
    )


def _quantile(o: _Ops, q: float) -> str:
    bucket = o.m(o.n.duration("bucket"))
    inner = f"histogram_quantile({q}, sum by (le, {ERROR_TYPE}) (rate({bucket}[{RATE}])))"
    # Successes have no error_type; name them "ok" in the legend.
    return f'label_replace({inner}, "{ERROR_TYPE}", "ok", "{ERROR_TYPE}", "")'


def _latency(o: _Ops) -> dash_builders.Row:
    row = dash_builders.Row("Latency")
    for panel_id, q in ((40, 0.5), (41, 0.95), (42, 0.99)):
        row = row.with_panel(timeseries_panel(
            panel_id, f"p{round(q * 100)} duration by outcome",
            f"The {round(q * 100)}th percentile of operation duration, for successful "
            "operations (ok) and for each error code: timeouts sit at the client "
            "timeout, fast failures near zero.",
            "s", [Query(_quantile(o, q), "{{error_type}}")], width=8,
        ))
    first_chunk = o.m(o.n.first_chunk("bucket"))
    return row.with_panel(timeseries_panel(
        43, "Time to first chunk (streams)",
        "p50 and p95 of the time from request to the first streamed chunk.",
        "s",
        [
            Query(
                f"histogram_quantile({q}, sum by (le) (rate({first_chunk}[{RATE}])))",
                f"p{round(q * 100)}",
            )
            for q in (0.5, 0.95)
        ],
        width=24,
    ))


def _background(o: _Ops) -> dash_builders.Row:
    n = o.n
    kind, status = n.job_type, n.job_status
    failed = f'{ERROR_TYPE}!~"{codes(JOB_ENDS_NOT_FAILED)}|"'
    return (
        dash_builders.Row("Asynchronous jobs")
        .with_panel(timeseries_panel(
            50, "Jobs ended, by surface and outcome",
            "Asynchronous jobs (background responses, batches, fine-tuning jobs, vector "
            "store files, runs, videos, evals runs) seen ending per second, by surface, "
            "status and code; each job is counted once, however often it was polled, "
            "listed or announced by a webhook.",
            "reqps",
            [Query(
                o.rate(o.m(n.jobs), f"{kind}, {status}, {ERROR_TYPE}"),
                f"{{{{{kind}}}}} {{{{{status}}}}} {{{{error_type}}}}",
            )],
            stacked=True,
        ))
        .with_panel(timeseries_panel(
            51, "Job failure ratio, by surface",
            "Share of the jobs of each surface that ended failed, expired or incomplete "
            "(a cancel is not a failure). Polls of a failed job do not count: the job "
            "is counted once.",
            "percentunit",
            [Query(
                f"{o.rate(o.m(n.jobs, failed), kind)} / {o.rate(o.m(n.jobs), kind)}",
                f"{{{{{kind}}}}}",
            )],
        ))
    )


def _tokens(o: _Ops) -> dash_builders.Row:
    n = o.n
    if n.input_tokens is not None and n.output_tokens is not None:
        # the latest names: a counter per direction; each gets the type label it lacks,
        # so the two never meet with the same label set
        def typed(by: str) -> str:
            return " or ".join(
                f'label_replace({o.rate(o.m(counter), by)}, "{TOKEN_TYPE}", "{kind}", "", "")'
                for counter, kind in ((n.input_tokens, "input"), (n.output_tokens, "output"))
            )
        by_type = typed("")
        by_model = f"sum by ({MODEL}) ({typed(MODEL)})"
    else:
        every = o.m(f"{n.tokens}_sum")
        by_type = o.rate(every, TOKEN_TYPE)
        by_model = o.rate(every, MODEL)
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


def _explore_url(datasource: str, query: dict[str, object]) -> str:
    """A Grafana Explore link in the ``panes`` form (with ``schemaVersion=1`` Grafana's URL
    migration reads ``panes`` only: a ``left=`` link opens an empty Explore), over the
    dashboard's own time range; ${...} placeholders are left for Grafana to interpolate."""
    panes = json.dumps(
        {"a": {"datasource": datasource, "queries": [query],
               "range": {"from": "${__from}", "to": "${__to}"}}},
        separators=(",", ":"),
    )
    return "/explore?schemaVersion=1&orgId=1&panes=" + quote(panes, safe="${}:,._")


def _drilldown(o: _Ops, config: Config) -> dash_builders.Row:
    code = "${__data.fields.error_type}"
    traces = _explore_url("${tempo}", {
        "refId": "A", "queryType": "traceql",
        "query": f'{{ span.error.type = "{code}" }}',
    })
    logs = _explore_url("${loki}", {
        "refId": "A",
        "expr": f'{config.loki_stream_selector} | error_type = "{code}"',
    })
    return (
        dash_builders.Row("Traces and logs")
        .with_panel(table_panel(
            70, "Failures by code: open traces and logs",
            "Failed operations per second by code and model. Click a row to open that "
            "code's traces in Tempo (span attribute error.type) or its logs in Loki "
            "(structured metadata error_type); the links work where those data sources "
            "are configured (variables tempo and loki).",
            "reqps",
            [Query(
                o.rate(o.ops(FAILED, CODE_M), f"{ERROR_TYPE}, {MODEL}"),
                "{{error_type}}", instant=True,
            )],
            links=[("Traces of this code (Tempo)", traces), ("Logs of this code (Loki)", logs)],
        ))
    )


def _optional_datasource(name: str, plugin: str) -> dash_builders.DatasourceVariable:
    from grafana_foundation_sdk.models.dashboard import VariableHide

    return (
        dash_builders.DatasourceVariable(name)
        .label(name)
        .type(plugin)
        .hide(VariableHide.DONT_HIDE)
    )


def build(config: Config, variant: str) -> dict[str, object]:
    """The dashboard as a JSON-ready dict."""
    n = naming.names(variant)
    o = _Ops(n, config)
    builder = (
        dash_builders.Dashboard(config.dashboard_title)
        .uid(config.dashboard_uid if variant == "classic" else f"{config.dashboard_uid}-{variant}")
        .description(
            "Failures of OpenAI API calls by stable error code, from openai-error-telemetry "
            f"({variant} Prometheus metric names)."
        )
        .tags([*config.dashboard_tags, variant])
        .editable()
        .timezone("browser")
        .refresh(config.refresh)
        .time(config.time_from, "now")
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .with_variable(
            dash_builders.DatasourceVariable("datasource").label("Data source").type("prometheus")
        )
        .with_variable(_optional_datasource("tempo", "tempo"))
        .with_variable(_optional_datasource("loki", "loki"))
        .link(
            dash_builders.DashboardLink("Runbooks")
            .type(DashboardLinkType.LINK)
            .url(config.runbook_url)
            .target_blank(True)
        )
    )
    for variable in _variables(n, config):
        builder = builder.with_variable(variable)
    for annotation in _annotations(n):
        builder = builder.annotation(annotation)
    for row in (
        _overview(o, config), _by_code(o), _rate_limits(o), _server_errors(o),
        _latency(o), _background(o), _tokens(o), _drilldown(o, config),
    ):
        builder = builder.with_row(row)
    encoded: dict[str, object] = json.loads(json.dumps(builder.build().to_json(), default=_to_json))
    encoded["panels"] = _flatten_rows(encoded["panels"])
    _titled(encoded.get("annotations"))
    return encoded


# What each annotation's events are titled (the builder has no field for it).
_ANNOTATION_TITLES = {"Our alerts firing": "{{alertname}} ({{severity}})",
                      "OpenAI health alerts": "OpenAI health alert active"}


def _annotations(n: naming.Names) -> list[dash_builders.AnnotationQuery]:
    """Our alerts as they fire, and OpenAI's own health alerts as their webhooks said."""
    return [
        dash_builders.AnnotationQuery()
        .name("Our alerts firing").datasource(PROMETHEUS).enable(True).icon_color("red")
        .expr('ALERTS{alertname=~"OpenAI.*", alertstate="firing"}'),
        dash_builders.AnnotationQuery()
        .name("OpenAI health alerts").datasource(PROMETHEUS).enable(True)
        .icon_color("orange").expr(f'max({n.health_alerts}{{job=~"$job"}}) > 0'),
    ]


def _titled(annotations: object) -> None:
    listed = annotations.get("list", []) if isinstance(annotations, dict) else []
    for entry in listed:
        title = _ANNOTATION_TITLES.get(entry.get("name"))
        if title is not None:
            entry["titleFormat"] = title


def _flatten_rows(panels: object) -> list[dict[str, object]]:
    """Grafana's own shape of an expanded row: ``collapsed: false`` and no panels of its
    own, its panels following it at the top level. (Grafana's loader keeps only a
    collapsed row's own ``panels``: a collapsed row followed by panels folds nothing.)"""
    assert isinstance(panels, list)
    flat: list[dict[str, object]] = []
    for row_id, row in enumerate(panels, start=100):
        children = row.pop("panels", []) if row.get("type") == "row" else []
        if row.get("type") == "row":
            row["id"] = row_id
            row["collapsed"] = False
            row["panels"] = []
        flat.append(row)
        flat.extend(children)
    return flat


def _to_json(obj: object) -> object:
    to_json = getattr(obj, "to_json", None)
    if callable(to_json):
        return to_json()
    if isinstance(obj, DataSourceRef):
        return {"type": obj.type_val, "uid": obj.uid}
    raise TypeError(f"cannot encode {type(obj).__name__}")
