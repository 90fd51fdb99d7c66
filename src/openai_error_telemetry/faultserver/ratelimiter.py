"""A token-bucket rate limiter per model, in requests and tokens per minute.

So 429s can arise from load rather than dice, and so every response carries
``x-ratelimit-*`` headers that count down and refill the way OpenAI's do. Without limits
to enforce the limiter still keeps the books (with generous limits) so the headers move.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Optional

ADVISORY_RPM = 10_000
ADVISORY_TPM = 10_000_000
MAX_MODELS = 256


def go_duration(seconds: float) -> str:
    """Format like Go's time.Duration, as OpenAI's ``x-ratelimit-reset-*`` do: 12ms, 6m0s."""
    if seconds < 1:
        return f"{max(round(seconds * 1000), 0)}ms"
    minutes, rest = divmod(seconds, 60)
    secs = f"{rest:.3f}".rstrip("0").rstrip(".")
    return f"{int(minutes)}m{secs}s" if minutes else f"{secs}s"


class Bucket:
    """``capacity`` units, refilled continuously at ``rate`` units per second."""

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self.level = capacity
        self._stamp = now

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self._stamp) * self.rate)
        self._stamp = now

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` is available (until full if it never fits)."""
        needed = min(amount, self.capacity) - self.level
        return max(needed, 0.0) / self.rate

    def until_full(self) -> float:
        return (self.capacity - self.level) / self.rate


@dataclass(frozen=True)
class Verdict:
    """What the limiter decided: admitted or which limit refused, and the headers to send."""

    allowed: bool
    kind: Optional[str]  # "requests" | "tokens" when refused
    retry_after: float
    headers: dict[str, str]
    limit: int = 0
    used: int = 0


class RateLimiter:
    """Requests and tokens per minute per model; enforces only when limits were given.

    ``burst_seconds`` sizes the buckets: 60 holds a whole minute's allowance (a burst of
    ``rpm`` requests), smaller values quantise the limit the way OpenAI does at scale
    (e.g. 600 RPM enforced as 10 per second).
    """

    def __init__(self, rpm: Optional[int] = None, tpm: Optional[int] = None, *,
                 burst_seconds: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.enforce_requests = rpm is not None
        self.enforce_tokens = tpm is not None
        self.rpm = rpm if rpm is not None else ADVISORY_RPM
        self.tpm = tpm if tpm is not None else ADVISORY_TPM
        self.burst_seconds = burst_seconds
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[Bucket, Bucket]] = OrderedDict()

    @property
    def enforcing(self) -> bool:
        return self.enforce_requests or self.enforce_tokens

    def _pair(self, model: str, now: float) -> tuple[Bucket, Bucket]:
        pair = self._buckets.pop(model, None)
        if pair is None:
            share = self.burst_seconds / 60.0
            pair = (
                Bucket(max(self.rpm * share, 1.0), self.rpm / 60.0, now),
                Bucket(max(self.tpm * share, 1.0), self.tpm / 60.0, now),
            )
        self._buckets[model] = pair
        while len(self._buckets) > MAX_MODELS:
            self._buckets.popitem(last=False)
        for bucket in pair:
            bucket.refill(now)
        return pair

    def admit(self, model: str, tokens: int) -> Verdict:
        """Take one request and ``tokens`` tokens, or refuse with the limit that ran out."""
        requests, token_bucket = self._pair(model, self._clock())
        kind: Optional[str] = None
        if self.enforce_requests and requests.level < 1:
            kind = "requests"
        elif self.enforce_tokens and token_bucket.level < tokens:
            kind = "tokens"
        if kind is None:
            requests.level = max(requests.level - 1, 0.0)
            token_bucket.level = max(token_bucket.level - tokens, 0.0)
            return Verdict(True, None, 0.0, self._headers(requests, token_bucket))
        bucket, amount = (requests, 1.0) if kind == "requests" else (token_bucket, float(tokens))
        retry_after = max(bucket.wait_for(amount), 0.001)
        limit = self.rpm if kind == "requests" else self.tpm
        used = limit - _remaining(bucket, limit)
        return Verdict(False, kind, retry_after, self._headers(requests, token_bucket),
                       limit=limit, used=used)

    def peek(self, model: str) -> dict[str, str]:
        """The headers as things stand, spending nothing (for injected faults)."""
        return self._headers(*self._pair(model, self._clock()))

    def refusal(self, model: str, kind: str, retry_after: float) -> Verdict:
        """Headers for an injected 429: the named limit shows as spent."""
        requests, token_bucket = self._pair(model, self._clock())
        headers = self._headers(requests, token_bucket)
        headers[f"x-ratelimit-remaining-{kind}"] = "0"
        headers[f"x-ratelimit-reset-{kind}"] = go_duration(retry_after)
        limit = self.rpm if kind == "requests" else self.tpm
        return Verdict(False, kind, retry_after, headers, limit=limit, used=limit)

    def _headers(self, requests: Bucket, tokens: Bucket) -> dict[str, str]:
        return {
            "x-ratelimit-limit-requests": str(self.rpm),
            "x-ratelimit-limit-tokens": str(self.tpm),
            "x-ratelimit-remaining-requests": str(_remaining(requests, self.rpm)),
            "x-ratelimit-remaining-tokens": str(_remaining(tokens, self.tpm)),
            "x-ratelimit-reset-requests": go_duration(requests.until_full()),
            "x-ratelimit-reset-tokens": go_duration(tokens.until_full()),
        }

    def reset(self) -> None:
        self._buckets.clear()


def _remaining(bucket: Bucket, per_minute: int) -> int:
    """What is left, on the scale of the per-minute limit the ``limit`` header shows."""
    return math.floor(bucket.level / bucket.capacity * per_minute)


def retry_after_headers(seconds: float) -> dict[str, str]:
    """``retry-after-ms`` (the SDK prefers it) and whole-second ``retry-after``."""
    return {
        "retry-after": str(max(math.ceil(seconds), 1)),
        "retry-after-ms": str(max(math.ceil(seconds * 1000), 1)),
    }
