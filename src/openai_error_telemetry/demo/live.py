"""The live view: a ``rich`` progress bar and table on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
from typing import IO, Any, Optional, Protocol

from . import report
from .snapshot import Snapshot


class View(Protocol):
    def start(self) -> None: ...
    def update(self, snapshot: Snapshot, elapsed: float, phase: str) -> None: ...
    def stop(self) -> None: ...


class PlainView:
    """A line every ``interval`` seconds: readable in CI logs and ``| tee``."""

    def __init__(self, duration: float, interval: float, stream: IO[str]) -> None:
        self.duration = duration
        self.interval = interval
        self.stream = stream
        self._next = interval

    def start(self) -> None:
        pass

    def update(self, snapshot: Snapshot, elapsed: float, phase: str) -> None:
        if elapsed + 1e-6 < self._next:
            return
        self._next = (elapsed // self.interval + 1) * self.interval
        print(report.line(snapshot, elapsed, self.duration, phase), file=self.stream, flush=True)

    def stop(self) -> None:
        pass


class RichView:
    """A progress bar over the run and a table that redraws twice a second."""

    def __init__(self, duration: float) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.duration = duration
        self.console = Console()
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn(),
            TextColumn("of {task.total:.0f} s"), console=self.console,
        )
        self.task = self.progress.add_task("calm", total=duration)
        self.live: Optional[Any] = None

    def start(self) -> None:
        from rich.live import Live

        self.live = Live(self._render(Snapshot(), 0.0), console=self.console,
                         refresh_per_second=4)
        self.live.start()

    def _render(self, snapshot: Snapshot, elapsed: float) -> Any:
        from rich.console import Group
        from rich.table import Table

        rate = snapshot.calls / elapsed if elapsed > 0 else 0.0
        share = 100 * snapshot.failures / snapshot.calls if snapshot.calls else 0.0
        stats = Table.grid(padding=(0, 2))
        stats.add_column(style="bold")
        stats.add_column()
        stats.add_row("calls", f"{snapshot.calls} ({rate:.1f}/s), "
                               f"[red]{snapshot.failures} failed[/] ({share:.1f}%)")
        stats.add_row("attempts hidden by retries", str(snapshot.hidden_retries))
        stats.add_row("retry time lost", f"{snapshot.retry_delay_s:.1f} s of backoff")
        stats.add_row("latency", f"p50 {report.seconds(snapshot.p50_s)}, "
                                 f"p95 {report.seconds(snapshot.p95_s)}")
        stats.add_row("rate-limit headroom", report.headroom(snapshot))
        stats.add_row("background jobs", ", ".join(
            f"{status} {count}" for status, count in sorted(snapshot.background.items())
        ) or "-")
        codes = Table(title="failures by code", title_justify="left", expand=False)
        for index, header in enumerate(report.TABLE_HEADER):
            codes.add_column(header, justify="left" if index == 0 else "right")
        for row in report.code_rows(snapshot):
            codes.add_row(row[0], *(str(value) for value in row[1:]))
        return Group(self.progress, stats, codes)

    def update(self, snapshot: Snapshot, elapsed: float, phase: str) -> None:
        self.progress.update(self.task, completed=min(elapsed, self.duration),
                             description=phase)
        if self.live is not None:
            self.live.update(self._render(snapshot, elapsed))

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None


def choose(duration: float, stream: IO[str] = sys.stdout) -> View:
    """``rich`` on a terminal, plain lines (every ~duration/6 s, 1 to 5 s) otherwise."""
    if stream.isatty():
        return RichView(duration)
    return PlainView(duration, min(5.0, max(1.0, duration / 6)), stream)

