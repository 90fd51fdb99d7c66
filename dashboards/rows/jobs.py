"""Asynchronous jobs: ends by surface and code, failure ratio, and the reads (polls).

Keyed by surface and code only: a job's end carries the model and operation of the read
that saw it, so the $model and $operation choices do not filter these panels.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash_builders

from ..config import JOB_ENDS_NOT_FAILED
from ..naming import ERROR_TYPE, OPERATION, POLL
from ..panels import Query, timeseries_panel
from ..promql import codes
from .common import Selectors


def jobs(s: Selectors) -> dash_builders.Row:
    n = s.n
    kind, status = n.job_type, n.job_status
    ended = s.m(n.jobs, operation=False, model=False)
    failed = s.m(n.jobs, f'{ERROR_TYPE}!~"{codes(JOB_ENDS_NOT_FAILED)}|"', operation=False,
                 model=False)
    reads = s.m(s.n.duration("count"), POLL, operation=False, model=False)
    return (
        dash_builders.Row("Asynchronous jobs")
        .with_panel(timeseries_panel(
            50, "Jobs ended, by surface and outcome",
            "Asynchronous jobs (background responses, batches, fine-tuning jobs, vector "
            "store files, runs, videos, evals runs, agent turns and sessions, uploads...) "
            "seen ending per minute, by surface, status and code; each job is counted "
            "once, however often it was polled, listed or announced by a webhook.",
            "short",
            [Query(f"60 * {s.rate(ended, f'{kind}, {status}, {ERROR_TYPE}')}",
                   f"{{{{{kind}}}}} {{{{{status}}}}} {{{{error_type}}}}")],
            stacked=True,
        ))
        .with_panel(timeseries_panel(
            51, "Job failure ratio, by surface",
            "Share of the jobs of each surface that ended failed, expired or incomplete "
            "(a cancel is not a failure); a surface with no job ending shows nothing.",
            "percentunit",
            [Query(f"{s.rate(failed, kind)} / ({s.rate(ended, kind)} > 0)",
                   f"{{{{{kind}}}}}")],
        ))
        .with_panel(timeseries_panel(
            52, "Job reads (polls), by operation and outcome",
            "Retrieves and listings of jobs per second: reads, not calls, so they stay "
            "out of the call ratios, the availability objective and the latencies.",
            "reqps",
            [Query(s.rate(reads, f"{OPERATION}, {ERROR_TYPE}"),
                   "{{gen_ai_operation_name}} {{error_type}}")],
            width=24,
        ))
    )
