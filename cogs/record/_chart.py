"""``/record summary chart:True``: a PNG bar chart of the groups, drawn with matplotlib.

matplotlib is imported here, at the first chart, not when the bot starts (it
costs about half a second). Its object API with the Agg canvas draws without a
display and without pyplot's global state, so charts drawn in worker threads
never share a figure. The chart has its own opaque light card (white, dark
text, Discord's blurple bars): Discord shows an image as it is, so a
transparent one would lose its text on one of the two themes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from ..utils.formatting import cut, number

__all__ = ["LABEL_LENGTH", "render_chart"]

LABEL_LENGTH = 28
BACKGROUND = "#ffffff"
INK = "#23272a"
MUTED = "#5c6370"
BAR = "#5865f2"
FOLDED = "#99a1b3"
""""other" and "(none)" are drawn in grey: they are not groups of their own."""
WIDTH_INCHES = 6.4
DPI = 125
"""800 pixels wide, drawn large: Discord shows an embed's image at about half that, so text is sized for it."""


def render_chart(
    title: str, labels: Sequence[str], values: Sequence[float], *, measure: str, grouped_by: str, muted: int = 0
) -> bytes:
    """A horizontal bar chart, largest at the top as listed, as PNG bytes (800 px wide, about 190 px + 44 a bar).

    ``muted``: how many of the last bars are "other" and "(none)". Long labels
    are shortened to ``LABEL_LENGTH`` characters; each bar carries its value.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    count = len(labels)
    figure = Figure(figsize=(WIDTH_INCHES, 1.5 + 0.35 * count), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_facecolor(BACKGROUND)
    positions = list(range(count))
    colors = [FOLDED if index >= count - muted else BAR for index in positions]
    bars = axes.barh(positions, values, color=colors, height=0.7)
    axes.set_yticks(positions, [cut(label, LABEL_LENGTH) for label in labels], color=INK, fontsize=12)
    axes.invert_yaxis()  # the first (largest) group on top, as the text lists them
    axes.bar_label(bars, [number(value) for value in values], padding=3, color=INK, fontsize=11)
    axes.set_title(title, color=INK, fontsize=15, loc="left", pad=12, fontweight="bold")
    axes.set_xlabel(measure, color=MUTED, fontsize=12)
    axes.set_ylabel(grouped_by, color=MUTED, fontsize=12)
    axes.tick_params(axis="x", colors=MUTED, labelsize=11)
    axes.tick_params(axis="y", length=0)
    axes.margins(x=0.12)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(FOLDED)
    axes.grid(axis="x", color="#e3e5e8", linewidth=0.8)
    axes.set_axisbelow(True)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", facecolor=BACKGROUND)
    return out.getvalue()
