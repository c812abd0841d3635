"""A server-side SVG chart of the principal balance over time (no external service)."""

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal.templatetags.portal_tags import money

WIDTH, HEIGHT, PAD, LEFT = 640, 220, 28, 84
MAX_TICKS = 5  # gridlines above zero
# How each language writes a round amount from a threshold on (largest first), as
# (threshold, unit, format); below them the amount in full. Japanese counts in 万
# (10,000), English in thousands and millions: locale data, like portal/formats.
TICK_UNITS = {
    "ja": [(10_000, 10_000, "{:g}万円")],
    "en": [(1_000_000, 1_000_000, "¥{:g}M"), (10_000, 1_000, "¥{:g}k")],
}


def tick_step(top: int) -> int:
    """Return a round step (1, 2 or 5 × a power of ten yen) giving at most MAX_TICKS
    gridlines up to `top`."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if -(-top // (step * factor)) <= MAX_TICKS:
                return step * factor
        step *= 10


def tick_label(value: int) -> str:
    """Return an axis label as the page's language writes round amounts: 0円, 5,000円,
    5万円, 12.5万円, 100万円 in Japanese; ¥0, ¥5,000, ¥50k, ¥125k, ¥1M in English."""
    for threshold, unit, written in TICK_UNITS.get(get_language(), TICK_UNITS["ja"]):
        if value >= threshold:
            return written.format(value / unit)
    return money(value)


def balance_chart(points: list[tuple[dt.datetime, int]]) -> SafeString:
    """Return an inline <svg> step chart of (time, balance after) points, oldest first."""
    if len(points) < 2:
        return mark_safe("")
    times = [moment.timestamp() for moment, _ in points]
    balances = [balance for _, balance in points]
    start, end = times[0], times[-1]
    span = (end - start) or 1
    step = tick_step(max(balances) or 1)
    top = -(-(max(balances) or 1) // step) * step  # the highest gridline, at or above the top

    def y(balance):
        return HEIGHT - PAD - balance / top * (HEIGHT - 2 * PAD)

    # A step per point: level from its time to the next point's (the last one's to the end).
    xs = [LEFT + (t - start) / span * (WIDTH - LEFT - PAD) for t in times]
    path = " ".join(
        f"{x_from:.1f},{y_level:.1f} {x_to:.1f},{y_level:.1f}"
        for x_from, x_to, y_level in zip(xs, [*xs[1:], xs[-1]], map(y, balances), strict=True)
    )
    first = date_format(timezone.localtime(points[0][0]), "SHORT_DATE_FORMAT")
    last = date_format(timezone.localtime(points[-1][0]), "SHORT_DATE_FORMAT")
    grid = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="chart-grid"/>'
        '<text x="{}" y="{}" class="chart-label" text-anchor="end">{}</text>',
        (
            (LEFT, y(value), WIDTH - PAD, y(value), LEFT - 6, y(value) + 4, tick_label(value))
            for value in range(0, top + 1, step)
        ),
    )
    return format_html(
        '<svg class="balance-chart" viewBox="0 0 {w} {h}" role="img" aria-label="{label}" '
        'preserveAspectRatio="xMidYMid meet">{grid}'
        '<polyline points="{path}" class="chart-line" fill="none"/>'
        '<text x="{pad}" y="{bottom}" class="chart-label">{first}</text>'
        '<text x="{right}" y="{bottom}" class="chart-label" text-anchor="end">{last}</text></svg>',
        w=WIDTH,
        h=HEIGHT,
        label=_("元金残高の推移（%(first)s〜%(last)s）") % {"first": first, "last": last},
        grid=grid,
        path=path,
        pad=LEFT,
        right=WIDTH - PAD,
        bottom=HEIGHT - 8,
        first=first,
        last=last,
    )
