"""The digest's charts as PNG images, drawn with matplotlib's Agg backend (no display needed).

matplotlib is imported inside `render_charts` only: importing it costs about a second, and the app, the
CLI and the tests that never draw a chart should not pay for it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from refbot.blocks.format import money

DPI = 100
SIZE = (8, 4)  # inches: 800 x 400 px, readable in a Slack preview
BAR = "#2e7d32"
LINE = "#1565c0"
TARGET = "#9e9e9e"


@dataclass(frozen=True)
class Chart:
    name: str  # file name stem: revenue-requests, approval-time, coverage
    title: str
    alt: str  # alt text: what the chart says, for screen readers and notifications
    png: bytes

    def filename(self, month: str) -> str:
        return f"refbot-digest-{month}-{self.name}.png"


def render_charts(digest: dict[str, Any]) -> list[Chart]:
    """The charts of a digest (build_digest's dict): influenced revenue and requests by month, median time
    to approval by month, and coverage by segment when there are coverage figures."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    series = digest["series"]
    labels = [m["label"] for m in series]
    charts: list[Chart] = []

    def png(fig: Any) -> bytes:
        buf = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=DPI)
        plt.close(fig)
        return buf.getvalue()

    # 1. influenced revenue (bars) and requests (line) by month
    fig, ax = plt.subplots(figsize=SIZE)
    revenue = [m["influenced_revenue"] for m in series]
    ax.bar(labels, revenue, color=BAR, label="Influenced revenue")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: money(v)))
    ax.set_ylabel("Influenced revenue")
    ax2 = ax.twinx()
    ax2.plot(labels, [m["requests"] for m in series], color=LINE, marker="o", label="Requests")
    ax2.set_ylabel("Requests")
    ax2.set_ylim(bottom=0)
    ax2.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"Influenced revenue and requests by month, to {digest['title']}")
    fig.legend(loc="upper left", bbox_to_anchor=(0.08, 0.88), frameon=False)
    last = series[-1]
    charts.append(Chart("revenue-requests", "Influenced revenue and requests by month",
                        f"{digest['title']}: {money(last['influenced_revenue'])} influenced revenue, "
                        f"{last['requests']} requests", png(fig)))

    # 2. median hours from asking to approval by month, against the 48 h target
    fig, ax = plt.subplots(figsize=SIZE)
    hours = [m["median_approval_hours"] for m in series]
    ax.bar(labels, [h or 0 for h in hours], color=LINE)
    for x, h in zip(labels, hours, strict=True):
        ax.annotate("—" if h is None else f"{h:g} h", (x, h or 0), ha="center", va="bottom")
    ax.axhline(48, color=TARGET, linestyle="--", linewidth=1)
    ax.text(len(labels) - 0.5, 48, "48 h", va="bottom", ha="right", color=TARGET)
    ax.set_ylabel("Median hours to approval")
    ax.set_ylim(bottom=0, top=max([48.0, *(h or 0 for h in hours)]) * 1.2)
    ax.set_title("Time from request to approval")
    now_h = hours[-1]
    charts.append(Chart("approval-time", "Time from request to approval",
                        f"{digest['title']}: median {'—' if now_h is None else f'{now_h:g} h'} to approval",
                        png(fig)))

    # 3. coverage by segment: demand (asks) against supply (available references)
    coverage = digest.get("coverage") or []
    if coverage:
        fig, ax = plt.subplots(figsize=SIZE)
        names = [c["segment"] for c in coverage]
        y = range(len(names))
        ax.barh([i + 0.2 for i in y], [c["demand"] for c in coverage], height=0.4, color=LINE, label="Asked for")
        ax.barh([i - 0.2 for i in y], [c["supply"] for c in coverage], height=0.4, color=BAR, label="Available")
        ax.set_yticks(list(y), names)
        ax.invert_yaxis()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(frameon=False)
        ax.set_title("Coverage by segment: demand against available references")
        worst = coverage[0]
        charts.append(Chart("coverage", "Coverage by segment",
                            f"Biggest gap: {worst['segment']} ({worst['demand']} asked, {worst['supply']} available)",
                            png(fig)))
    return charts
