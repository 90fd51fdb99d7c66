"""Panel builders that make the house rules impossible to forget.

Every panel built here has a title, a description, a unit and the ``${datasource}``
data source; the lint test checks the generated JSON for the same, so a panel added
without these helpers is caught too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional, TypeVar

from grafana_foundation_sdk.builders import (
    bargauge,
    prometheus,
    stat,
    table,
    timeseries,
)
from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dash_builders
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef,
    DynamicConfigValue,
    Threshold,
    ThresholdsMode,
)
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

from .colours import CODE_COLOURS

PROMETHEUS = DataSourceRef(type_val="prometheus", uid="${datasource}")


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = "__auto"
    instant: bool = False


def _target(query: Query, ref: str) -> prometheus.Dataquery:
    target = (
        prometheus.Dataquery()
        .expr(query.expr)
        .legend_format(query.legend)
        .ref_id(ref)
        .datasource(PROMETHEUS)
    )
    if query.instant:
        return target.instant().format(PromQueryFormat.TABLE)
    return target.range()


def _refs(queries: Sequence[Query]) -> list[prometheus.Dataquery]:
    return [_target(q, chr(ord("A") + i)) for i, q in enumerate(queries)]


def _thresholds(steps: Sequence[tuple[Optional[float], str]]) -> dash_builders.ThresholdsConfig:
    return (
        dash_builders.ThresholdsConfig()
        .mode(ThresholdsMode.ABSOLUTE)
        .steps([Threshold(value=v, color=c) for v, c in steps])
    )


def timeseries_panel(
    panel_id: int,
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    *,
    stacked: bool = False,
    width: int = 12,
    height: int = 8,
    coloured: bool = False,
) -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .unit(unit)
        .datasource(PROMETHEUS)
        .targets(_refs(queries))
        .span(width)
        .height(height)
        .fill_opacity(25 if stacked else 10)
        .legend(
            common_builders.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.TABLE)
            # a table beside an 8-wide panel leaves no room for the graph
            .placement(common.LegendPlacement.RIGHT if width >= 12
                       else common.LegendPlacement.BOTTOM)
            .show_legend(True)
            .calcs(["mean", "max"])
        )
        .tooltip(
            common_builders.VizTooltipOptions()
            .mode(common.TooltipDisplayMode.MULTI)
            .sort(common.SortOrder.DESCENDING)
        )
    )
    if stacked:
        panel = panel.stacking(common_builders.StackingConfig().mode(common.StackingMode.NORMAL))
    return _coloured(panel) if coloured else panel


Coloured = TypeVar("Coloured", timeseries.Panel, bargauge.Panel)


def _coloured(panel: Coloured) -> Coloured:
    """One fixed colour per code family (the contract's), matched by series name."""
    for name, colour in CODE_COLOURS.items():
        panel = panel.override_by_name(name, [DynamicConfigValue(
            id_val="color", value={"mode": "fixed", "fixedColor": colour})])
    return panel


def stat_panel(
    panel_id: int,
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    *,
    thresholds: Sequence[tuple[Optional[float], str]] = ((None, "green"),),
    width: int = 6,
    height: int = 4,
) -> stat.Panel:
    return (
        stat.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .unit(unit)
        .datasource(PROMETHEUS)
        .targets(_refs(queries))
        .span(width)
        .height(height)
        .graph_mode(common.BigValueGraphMode.AREA)
        .color_mode(common.BigValueColorMode.VALUE)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]))
        .thresholds(_thresholds(thresholds))
    )


def bargauge_panel(
    panel_id: int,
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    *,
    width: int = 12,
    height: int = 8,
    coloured: bool = False,
) -> bargauge.Panel:
    panel = (
        bargauge.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .unit(unit)
        .datasource(PROMETHEUS)
        .targets(_refs(queries))
        .span(width)
        .height(height)
        .orientation(common.VizOrientation.HORIZONTAL)
        .display_mode(common.BarGaugeDisplayMode.GRADIENT)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]))
    )
    return _coloured(panel) if coloured else panel


def table_panel(
    panel_id: int,
    title: str,
    description: str,
    unit: str,
    queries: Sequence[Query],
    *,
    links: Sequence[tuple[str, str]] = (),
    width: int = 24,
    height: int = 8,
) -> table.Panel:
    panel = (
        table.Panel()
        .id(panel_id)
        .title(title)
        .description(description)
        .unit(unit)
        .datasource(PROMETHEUS)
        .targets(_refs(queries))
        .span(width)
        .height(height)
    )
    if links:
        panel = panel.data_links(
            [dash_builders.DashboardLink(t).url(u).target_blank(True) for t, u in links]
        )
    return panel
