"""`bench` on Linux boards: mcuforge's C, LiteRT and ONNX Runtime side by side on the build machine (the
x86_64 board, natively), the same statistics for each, agreement with TFLM measured; the emulated
board over SSH with mcuforge alone; and the clear errors (a missing runtime, an emulated board asked
for LiteRT, an unknown runtime)."""

from __future__ import annotations

import json
import os
import venv
from pathlib import Path

import numpy
import pytest

from codegen.errors import McuforgeError
from codegen.hil.records import RunRequest
from codegen.linux.bench import bench, read_bench, write_bench
from codegen.linux.records import BenchResult
from codegen.options.records import LinuxBenchOptions, Runtime, TargetOptions
from codegen.linux.report import bench_and_show, markdown, summary_table
from support import onnxmodels
from support.firmware import built
from support.paths import DEFAULT_MODEL
from support.sshd import hardware_map, loopback_sshd


@pytest.fixture(scope="module")
def onnx_cnn(tmp_path_factory):
    """A float ONNX CNN (onnx.helper) and its int8 .tflite made by `quantize` (cached), the sidecar
    naming the ONNX model as the float reference."""
    return onnxmodels.quantized("cnn", onnxmodels.cnn(13), (3, 8, 8), tmp_path_factory.mktemp("bench-onnx"))


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("bench-build")


def test_the_build_machine_measures_all_three_runtimes(onnx_cnn, root):
    project, _ = built("x86_64", onnx_cnn.tflite, root=root)
    r = bench(project, LinuxBenchOptions(n=30, warmup=3, samples=4), RunRequest())
    assert [x.runtime for x in r.results] == [Runtime.MCUFORGE, Runtime.LITERT, Runtime.ONNXRUNTIME]
    assert not r.emulated and r.target == "a process on this machine" and r.samples == 4
    for x in r.results:
        lat = x.latency_us
        assert x.n == 30 and x.warmup == 3 and 0 < lat.min <= lat.p50 <= lat.p90 <= lat.p99 <= lat.max
        assert x.peak_rss_bytes is not None and x.peak_rss_bytes > 0 and x.agreement.samples == 4
        assert x.counters.note in ("not supported", "perf stat: (process with warm-up + N runs - with warm-up only) / N")
    mcu, litert, ort = r.results
    assert mcu.agreement.bit_exact                         # the generated C: exactly TFLM's outputs
    assert ort.model == "cnn.onnx" and "onnxruntime" in ort.version and "ai-edge-litert" in litert.version
    # the float ONNX model against the quantised one: real differences, measured and shown
    assert 0 < ort.agreement.max_abs_diff < 0.2 and ort.agreement.exact_samples == 0
    assert litert.agreement.max_abs_diff <= 2 * 0.00390625 + 1e-9 and litert.agreement.top1_agree >= 3
    assert mcu.peak_rss_bytes < litert.peak_rss_bytes and litert.baseline_rss_bytes is not None
    text = markdown(r)
    assert "| mcuforge C |" in text and "| LiteRT |" in text and "| ONNX Runtime |" in text
    assert "bit-exact (4/4)" in text and f"max abs diff {ort.agreement.max_abs_diff:.3g}" in text
    path = write_bench(r, project.dir)
    assert read_bench(path) == r and json.loads(path.read_text())["results"][2]["title"] == "ONNX Runtime"


def test_scons_style_front_door_writes_table_json_and_plot(root, capsys):
    project, _ = built("x86_64", DEFAULT_MODEL, root=root)
    r = bench_and_show(project, LinuxBenchOptions(n=10, warmup=1, samples=2))
    assert [x.runtime for x in r.results] == [Runtime.MCUFORGE, Runtime.LITERT]   # no ONNX model: two runtimes
    out = capsys.readouterr().out
    assert "**digits_cnn.tflite on x86_64**" in out and "bit-exact (2/2)" in out
    for name in ("bench.json", "bench.md", "bench.png"):
        assert (project.dir / name).is_file()


def test_a_missing_runtime_names_the_package_to_install(root, tmp_path):
    """The board's Python lacks LiteRT (a venv without it): the error says what to install there."""
    env = tmp_path / "bare"
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(env)
    # numpy alone, from this venv's site-packages: LiteRT and ONNX Runtime are not there
    site = next((env / "lib").glob("python3*/site-packages"))
    numpy_dir = numpy.__path__[0]
    (site / "numpy").symlink_to(numpy_dir)
    for extra in Path(numpy_dir).parent.glob("numpy.libs"):
        (site / "numpy.libs").symlink_to(extra)
    project, _ = built("x86_64", DEFAULT_MODEL, root=root)
    with pytest.raises(McuforgeError, match="LiteRT is not installed on x86_64 \\(this machine\\)") as e:
        bench(project, LinuxBenchOptions(n=2, samples=1), RunRequest(), python=str(env / "bin" / "python"))
    assert "-m pip install ai-edge-litert" in e.value.hint and "tflite-runtime" in e.value.hint
    assert "runtimes=mcuforge,onnxruntime" in e.value.hint


def test_a_board_without_python_says_so(root):
    project, _ = built("x86_64", DEFAULT_MODEL, root=root)
    with pytest.raises(McuforgeError, match="no-such-python3 is not found on x86_64") as e:
        bench(project, LinuxBenchOptions(n=2, samples=1), RunRequest(), python="no-such-python3")
    assert "python3-numpy" in e.value.hint


def test_the_emulated_board_over_ssh_runs_mcuforge_alone(tmp_path, root):
    project, _ = built("rpi4", DEFAULT_MODEL, root=root)
    with loopback_sshd(tmp_path) as sshd:
        hw = hardware_map(tmp_path / "hw.toml", {"rpi4": sshd})
        r = bench_and_show(project, LinuxBenchOptions(n=5, warmup=1, samples=2,
                                                      target=TargetOptions(target="emulator", hwmap=hw)))
        assert [x.runtime for x in r.results] == [Runtime.MCUFORGE] and r.emulated
        assert r.results[0].agreement.bit_exact and r.results[0].counters.note == "not measured (emulated)"
        assert r.timing.startswith("emulated:") and "Emulated: compare nothing here" in markdown(r)
        with pytest.raises(McuforgeError, match="LiteRT and ONNX Runtime need rpi4 itself") as e:
            bench(project, LinuxBenchOptions(runtimes=(Runtime.MCUFORGE, Runtime.LITERT)),
                  RunRequest(target="emulator", ssh=sshd))
        assert "runtimes=mcuforge" in e.value.hint


def test_runtime_lists_are_checked():
    assert Runtime.parse_list("mcuforge, litert,litert") == (Runtime.MCUFORGE, Runtime.LITERT)
    with pytest.raises(McuforgeError, match="unknown runtime 'tvm'"):
        Runtime.parse_list("mcuforge,tvm")
    with pytest.raises(McuforgeError, match="n=0: must be at least 1"):
        LinuxBenchOptions(n=0)


def test_onnxruntime_without_an_onnx_model_is_refused(root):
    project, _ = built("x86_64", DEFAULT_MODEL, root=root)
    with pytest.raises(McuforgeError, match="no ONNX model") as e:
        bench(project, LinuxBenchOptions(runtimes=(Runtime.ONNXRUNTIME,)), RunRequest())
    assert "onnx=PATH" in e.value.hint


def test_bench_needs_a_linux_board(root):
    project, _ = built("host", DEFAULT_MODEL, root=root)
    with pytest.raises(McuforgeError, match="runtimes are compared on Linux boards"):
        bench(project, LinuxBenchOptions(), RunRequest())


def test_the_summary_table_has_a_row_per_model_and_runtime(root):
    r = BenchResult.from_json(json.loads(json.dumps(
        bench(built("x86_64", DEFAULT_MODEL, root=root)[0], LinuxBenchOptions(n=3, samples=1), RunRequest()).as_json())))
    table = summary_table([r, r]).splitlines()
    assert table[0] == "| model | runtime | p50 µs | p99 µs | peak RSS | outputs vs TFLM |" and len(table) == 2 + 4 + 2
    assert table[-1].startswith("Where: a process on this machine; ") and "LiteRT: ai-edge-litert" in table[-1]


FAKE_PERF = """#!/bin/sh
# stands in for perf stat -x, -e EVENTS [--] CMD...: this machine's virtualised CPU counts nothing
shift 4; [ "$1" = "--" ] && shift
t0=$(date +%s%N); "$@"; s=$?; t1=$(date +%s%N)
echo "$((t1 - t0)),,cycles:u,1,100.00,," >&2
echo "$(((t1 - t0) * 2)),,instructions:u,1,100.00,," >&2
exit $s
"""


def test_perf_counters_per_inference_where_the_board_counts(root, tmp_path, monkeypatch):
    """The CPU here counts nothing (`perf stat` says <not supported>: the real path is covered by the
    "not supported" tests above). A stand-in `perf` that reports elapsed nanoseconds in perf's -x,
    format checks the plumbing: both runtimes are run with and without their timed runs, the
    difference per inference reaches the table."""
    fake = tmp_path / "bin" / "perf"
    fake.parent.mkdir()
    fake.write_text(FAKE_PERF)
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    project, _ = built("x86_64", DEFAULT_MODEL, root=root)
    r = bench(project, LinuxBenchOptions(n=200, warmup=1, samples=1), RunRequest())
    assert r.perf == "counted"
    for x in r.results:
        c = x.counters
        assert c.cycles is not None and c.instructions == pytest.approx(2 * c.cycles)
        assert c.note.startswith("perf stat: (process with warm-up + N runs - with warm-up only) / N")
    assert "cycles" in markdown(r)
