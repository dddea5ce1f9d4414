"""The outlet × month table and the PNG charts."""

from __future__ import annotations

import io

import matplotlib.image

from newscrawl.charts import outlet_month_table, plot_crawl_health, plot_records_per_month

OUTLET_MONTHS = {"kazinform": {"2024-01": 5, "2024-03": 2}, "totalkz": {"2024-01": 1}, "-": {"-": 4}}


def test_the_table_has_a_row_per_month_a_column_per_outlet_and_totals():
    lines = outlet_month_table(OUTLET_MONTHS).splitlines()
    assert lines[0].split() == ["month", "kazinform", "totalkz", "-", "all"]
    assert [line.split() for line in lines[1:]] == [["2024-01", "5", "1", "0", "6"], ["2024-03", "2", "0", "0", "2"],
                                                   ["-", "0", "0", "4", "4"], ["all", "7", "1", "4", "12"]]


def png_size(data: bytes) -> tuple[int, int]:
    image = matplotlib.image.imread(io.BytesIO(data), format="png")
    return image.shape[1], image.shape[0]


def test_records_per_month_is_drawn_as_png(tmp_path):
    plot_records_per_month(OUTLET_MONTHS, tmp_path / "chart.png")
    width, height = png_size((tmp_path / "chart.png").read_bytes())
    assert width >= 600 and height == 450


def test_crawl_health_is_drawn_for_runs_and_without_any():
    runs = {"kazinform": [{"finished": "2025-08-15T10:00:00+00:00", "health": "passed", "reason": "finished",
                           "archived": 12},
                          {"finished": "20250815T110000Z", "health": "failed", "reason": "shutdown", "archived": 0}],
            "totalkz": []}
    for data in (runs, {}):
        buffer = io.BytesIO()
        plot_crawl_health(data, buffer)
        assert png_size(buffer.getvalue())[0] == 900
