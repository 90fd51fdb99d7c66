"""What every row is built from: the variable matchers, the selectors, the code groups.

Code groups come from the contract (``codes.py``). Job reads (polls) are told apart by
operation name, from the jobs table: they are not calls, and stay out of the call
ratios, the availability objective and the latencies.
"""

from __future__ import annotations

from openai_error_telemetry.codes import Family, codes_of

from ..config import Config
from ..naming import ERROR_TYPE, MODEL, NOT_POLL, OPERATION, PROVIDER, Names
from ..promql import selector

RATE = "$__rate_interval"
JOB = 'job=~"$job"'
MODEL_M = f'{MODEL}=~"$model"'
PROVIDER_M = f'{PROVIDER}=~"$provider"'
OPERATION_M = f'{OPERATION}=~"$operation"'
FAILED = f'{ERROR_TYPE}!=""'
CODE_M = f'{ERROR_TYPE}=~"$error_type"'


# How the "failures by code" panel stacks the codes: one series per code for the
# families an alert watches, one per family for the rest, so the stack adds up.
_PER_CODE = (Family.RATE, Family.QUOTA, Family.SERVER, Family.TIMEOUT)
CODE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    group
    for family in Family
    for group in (
        [(code.value, (code.value,)) for code in codes_of(family)] if family in _PER_CODE
        else [(family.value, tuple(code.value for code in codes_of(family)))]
    )
)

class Selectors:
    """Selectors over one naming variant, with the dashboard's variable matchers."""

    def __init__(self, n: Names, config: Config) -> None:
        self.n = n
        self.extra = config.selector

    def m(self, metric: str, *matchers: str, operation: bool = True, model: bool = True,
          ) -> str:
        common = [JOB, self.extra, PROVIDER_M] + ([MODEL_M] if model else []) + (
            [OPERATION_M] if operation else [])
        return selector(metric, *common, *matchers)

    def ops(self, *matchers: str) -> str:
        """Every operation, job reads included."""
        return self.m(self.n.duration("count"), *matchers)

    def calls(self, *matchers: str) -> str:
        """Operations that are calls: job reads (polls) left out."""
        return self.ops(NOT_POLL, *matchers)

    def attempts(self, *matchers: str) -> str:
        """Every HTTP attempt (a poll's too: a 429 or a 5xx on a read is one)."""
        return self.m(self.n.attempts, *matchers)

    def rate(self, series: str, by: str = "") -> str:
        head = f"sum by ({by}) " if by else "sum "
        return f"{head}(rate({series}[{RATE}]))"
