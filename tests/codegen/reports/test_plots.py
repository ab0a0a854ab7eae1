"""The plots' readability rules: counts read 11.8M, not 11,800,000 colliding with its neighbours; byte
axes step 2.5 KB, 5 KB ... with the unit; a latency that is the same every time is stated, not drawn
as a one-bar histogram; coinciding points of the trade-off plot are told apart."""

from __future__ import annotations

import pytest

from codegen.reports import plots
from codegen.reports.memory import Block, MemoryMap, RegionMap


def _png_size(path):
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.parametrize("value, text", [(0, "0"), (950, "950"), (2_500, "2,500"), (25_000, "25k"), (161_712, "162k"),
                                         (1_500_000, "1.5M"), (11_830_000, "11.8M"), (2.4e9, "2.4G"), (0.25, "0.25")])
def test_counts_read_short(value, text):
    assert plots.si(value) == text


def test_byte_axes_step_nicely_with_their_unit():
    ticks, labels = plots.byte_ticks(12.5 * 1024)                 # compare.png's RAM axis
    assert labels == ["0", "2.5 KB", "5 KB", "7.5 KB", "10 KB", "12.5 KB"] and ticks[1] == 2.5 * 1024
    assert plots.byte_ticks(70_000)[1] == ["0", "20 KB", "40 KB", "60 KB", "80 KB"]
    assert plots.byte_ticks(3 << 20)[1][-1] == "3 MB" and plots.byte_ticks(600)[1] == ["0", "200 B", "400 B", "600 B"]


def test_a_deterministic_latency_is_stated_not_histogrammed(tmp_path):
    same = plots.latency_plot([3_690_288.0] * 10, "instructions", tmp_path / "same.png")
    spread = plots.latency_plot([8000.0 + (k % 7) for k in range(50)], "cycles", tmp_path / "spread.png")
    assert _png_size(same)[1] < _png_size(spread)[1]               # a strip of dots, not a histogram


def test_coinciding_points_are_stacked():
    # int8 and pruned50+int8: the same accuracy, 0.2 % apart in latency
    assert plots._coincident([825_050, 161_712, 162_100, 81_925], [99.0, 99.0, 99.0, 97.6], 1e6, 5) == [0, 0, 1, 0]
    assert len(set(plots.MARKERS)) == len(plots.MARKERS) >= 8


def test_every_plot_writes_a_png(tmp_path):
    names = ["float32", "int8", "pruned50+int8"]
    plots.comparison_bars(names, [plots.Metric("RAM", "bytes", (10_752.0, 8_602.0, 8_602.0)),
                                  plots.Metric("latency p50", "instructions", (11_825_050.0, 161_712.0, None)),
                                  plots.Metric("accuracy", "%", (99.0, 99.0, 98.6))], tmp_path / "c.png")
    plots.tradeoff_scatter(names, [0.99, 0.99, 0.99], [825_050, 161_712, 162_100], [67_277, 36_147, 36_147],
                           "instructions", tmp_path / "t.png", reference=[0.99, 0.99, 0.98])
    plots.layer_bars([f"#{k} CONV_2D" for k in range(30)], [11.8e6] * 30, "instructions", tmp_path / "l.png")
    plots.grouped_bars(["kws", "vww"], [("M4", [3.69e6, 11.8e6]), ("M7", [3.6e6, None])], "instructions",
                       tmp_path / "g.png", log=True, target=[3.86e6, None])
    mm = MemoryMap((RegionMap("flash", 0x0800_0000, 1 << 20, (Block(0x0800_0000, 9_000, "kernels", (("kernels", 9_000),)),)),
                    RegionMap("sram2", 0x1000_0000, 32 << 10, ())))
    plots.memory_map(mm, tmp_path / "m.png")
    for name in ("c", "t", "l", "g", "m"):
        w, h = _png_size(tmp_path / f"{name}.png")
        assert w > 300 and h > 150
