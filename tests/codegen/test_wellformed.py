"""The model validator: one crafted model per rule, each refused with MalformedModelError naming the
tensor or operator, the value and the rule; every real model passes; every path that reads a model
goes through it; the ceilings hold before anything allocates in proportion to a tensor."""

from __future__ import annotations

import math
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from codegen.generate import compile_model
from codegen.tflite import read_model, read_model_bytes
from codegen.tflite.schema import fb
from codegen.wellformed import MAX_ARENA_BYTES, MAX_TENSOR_BYTES, MalformedModelError, Rule, check_wellformed
from support.mutants import edit
from support.paths import DEFAULT_MODEL, ROOT

# the default model: 0 CONV_2D (0, 7, 6) -> 8, 1 MAX_POOL_2D 8 -> 9, 2 CONV_2D (9, 5, 4) -> 10,
# 3 MAX_POOL_2D 10 -> 11, 4 RESHAPE (11, 1) -> 12, 5 FULLY_CONNECTED (12, 3, 2) -> 13, 6 SOFTMAX 13 -> 14
DATA = DEFAULT_MODEL.read_bytes()
CONV_OUT, POOL_OUT, FC_OUT, OUTPUT = 8, 9, 13, 14
CONV_FILTER, CONV_BIAS = 7, 6


def _main(m: Any) -> Any:
    return m.subgraphs[0]


def _refused(change: Callable[[Any], None], rule: Rule, *fragments: str) -> MalformedModelError:
    """Edit the default model, generate it, and expect `rule` (with every fragment in the message)."""
    model = edit(DATA, change)
    with pytest.raises(MalformedModelError) as e:
        compile_model(read_model_bytes(model, source="crafted.tflite"))
    msg = str(e.value)
    assert rule in e.value.rules, msg
    assert rule.value in msg and "crafted.tflite" in msg and "meaningless" in msg
    for f in fragments:
        assert f in msg, (f, msg)
    assert "Traceback" not in msg
    return e.value


def _set_quant(index: int, scale: Any = None, zero_point: Any = None, axis: int | None = None) -> Callable:
    def change(m: Any) -> None:
        q = _main(m).tensors[index].quantization
        if scale is not None:
            q.scale = np.array(scale, dtype=np.float32)
        if zero_point is not None:
            q.zeroPoint = np.array(zero_point, dtype=np.int64)
        if axis is not None:
            q.quantizedDimension = axis
    return change


# --- every real model passes --------------------------------------------------------------------

def test_shared_and_default_models_are_well_formed(shared_models):
    for p in [*sorted(shared_models.glob("*.tflite")), DEFAULT_MODEL]:
        check_wellformed(read_model(p))


# --- data flow ------------------------------------------------------------------------------------

def test_data_flow_operator_reads_what_nothing_writes():
    """The issue's case: the first operator deleted, the max-pool reads a tensor nothing writes."""
    _refused(lambda m: _main(m).operators.pop(0), Rule.DATA_FLOW, "op 0 MAX_POOL_2D",
             f"tensor {CONV_OUT}", "nothing writes it")


def test_data_flow_operator_reads_what_a_later_operator_writes():
    def swap(m: Any) -> None:
        ops = _main(m).operators
        ops[0], ops[1] = ops[1], ops[0]
    _refused(swap, Rule.DATA_FLOW, "op 0 MAX_POOL_2D", "only op 1, later, writes it")


def test_data_flow_first_input_absent():
    def absent(m: Any) -> None:
        _main(m).operators[6].inputs = np.array([-1], dtype=np.int32)
    _refused(absent, Rule.DATA_FLOW, "op 6 SOFTMAX", "input 0 is absent")


def test_single_writer_two_operators_write_one_tensor():
    def twice(m: Any) -> None:
        _main(m).operators[2].outputs = np.array([CONV_OUT], dtype=np.int32)
    _refused(twice, Rule.SINGLE_WRITER, "op 2 CONV_2D", f"writes tensor {CONV_OUT}", "already written by op 0")


def test_single_writer_operator_writes_a_constant():
    def into_weights(m: Any) -> None:
        _main(m).operators[6].outputs = np.array([CONV_FILTER], dtype=np.int32)
    _refused(into_weights, Rule.SINGLE_WRITER, "op 6 SOFTMAX", "already a constant")


def test_output_written_last_operator_deleted():
    _refused(lambda m: _main(m).operators.pop(), Rule.OUTPUT_WRITTEN, f"output {OUTPUT}",
             "written by no operator")


def test_has_operators_all_deleted():
    """The issue's case: every operator removed generated an `invoke()` that only returns."""
    def none(m: Any) -> None:
        _main(m).operators = []
    err = _refused(none, Rule.HAS_OPERATORS, "no operators")
    assert Rule.OUTPUT_WRITTEN in err.rules


def test_has_operators_allows_a_pass_through_model():
    """A model whose outputs are its inputs computes nothing, correctly: not refused by this rule."""
    def identity(m: Any) -> None:
        _main(m).operators = []
        _main(m).outputs = np.array([0], dtype=np.int32)
    check_wellformed(read_model_bytes(edit(DATA, identity)))


@pytest.mark.parametrize("which", ["inputs", "outputs"])
def test_model_io_lists_empty(which):
    def clear(m: Any) -> None:
        setattr(_main(m), which, np.array([], dtype=np.int32))
    _refused(clear, Rule.MODEL_IO, f"the model has no {which}")


def test_model_io_input_listed_twice():
    def twice(m: Any) -> None:
        _main(m).inputs = np.array([0, 0], dtype=np.int32)
    _refused(twice, Rule.MODEL_IO, "input list names tensor 0", "twice")


def _call_once(callee: int) -> Any:
    op = fb.OperatorT()
    op.opcodeIndex = 0  # patched by the caller
    op.inputs = np.array([], dtype=np.int32)
    op.outputs = np.array([], dtype=np.int32)
    op.builtinOptionsType = fb.BuiltinOptions.CallOnceOptions
    op.builtinOptions = fb.CallOnceOptionsT()
    op.builtinOptions.initSubgraphIndex = callee
    return op


def _with_call_once(m: Any, callee: int, extra_subgraph_calls: int | None = None) -> None:
    code = fb.OperatorCodeT()
    code.builtinCode, code.deprecatedBuiltinCode = fb.BuiltinOperator.CALL_ONCE, 127  # 127: see builtinCode
    m.operatorCodes.append(code)
    call = _call_once(callee)
    call.opcodeIndex = len(m.operatorCodes) - 1
    _main(m).operators.insert(0, call)
    if extra_subgraph_calls is not None:
        sg = fb.SubGraphT()
        sg.tensors, sg.inputs, sg.outputs = [], np.array([], dtype=np.int32), np.array([], dtype=np.int32)
        inner = _call_once(extra_subgraph_calls)
        inner.opcodeIndex = call.opcodeIndex
        sg.operators = [inner]
        m.subgraphs.append(sg)


def test_subgraph_call_to_a_missing_subgraph():
    _refused(lambda m: _with_call_once(m, 5), Rule.SUBGRAPH_CALL, "op 0 CALL_ONCE", "runs subgraph 5")


def test_subgraph_call_recursion():
    _refused(lambda m: _with_call_once(m, 1, extra_subgraph_calls=1), Rule.SUBGRAPH_CALL,
             "calls subgraphs in a cycle (1 -> 1)")


# --- quantisation -----------------------------------------------------------------------------------

@pytest.mark.parametrize("scale, says", [
    (0.0, "scale is 0.0; it must be finite and > 0"),
    (-0.5, "scale is -0.5"),
    (math.nan, "scale is nan"),
    (math.inf, "scale is inf"),
    (1e-40, "a denormal float32"),  # the case: the output scale gave a shift of 134
])
def test_scale_finite_normal_positive(scale, says):
    _refused(_set_quant(CONV_OUT, scale=[scale]), Rule.SCALE, f"tensor {CONV_OUT}", "int8[1, 8, 8, 8]", says)


def test_scale_per_channel_entry():
    scales = [0.005] * 8
    scales[3] = 0.0
    _refused(_set_quant(CONV_FILTER, scale=scales), Rule.SCALE, f"tensor {CONV_FILTER}", "scale[3] is 0.0")


@pytest.mark.parametrize("index, zp, says", [
    (CONV_OUT, [128], "zero_point is 128; int8 holds -128..127"),
    (CONV_OUT, [-129], "zero_point is -129"),
    (CONV_BIAS, [0, 0, 1 << 31, 0, 0, 0, 0, 0], "zero_point[2] is 2147483648; int32 holds"),
])
def test_zero_point_within_type(index, zp, says):
    _refused(_set_quant(index, zero_point=zp), Rule.ZERO_POINT, f"tensor {index}", says)


def test_per_channel_length_matches_channels():
    _refused(_set_quant(CONV_FILTER, scale=[0.005] * 7, zero_point=[0] * 7), Rule.PER_CHANNEL,
             "7 per-channel scales for the 8 channels of dimension 0")


def test_per_channel_quantized_dimension_valid():
    _refused(_set_quant(CONV_FILTER, axis=4), Rule.PER_CHANNEL, "quantized_dimension 4 is not one of its 4")


def test_per_channel_only_on_constants():
    _refused(_set_quant(CONV_OUT, scale=[0.02] * 8, zero_point=[-128] * 8, axis=3), Rule.PER_CHANNEL,
             "computed at run time")


def test_multiplier_out_of_range_names_the_operator():
    """A tiny but normal output scale: the conv's multiplier would need a left shift past 31."""
    def tiny(m: Any) -> None:
        for i in (CONV_OUT, POOL_OUT):  # (the pool keeps its input's scale)
            _set_quant(i, scale=[2e-38])(m)
    err = _refused(tiny, Rule.MULTIPLIER, "subgraph 0 op 0 CONV_2D", "left shift")
    assert err.violations[0].where == "subgraph 0 op 0 CONV_2D"


def test_multiplier_softmax_beta_negative():
    def beta(m: Any) -> None:
        _main(m).operators[6].builtinOptions.beta = -1.0
    _refused(beta, Rule.MULTIPLIER, "op 6 SOFTMAX", "must be > 1")


# --- shapes, windows, options ----------------------------------------------------------------------

@pytest.mark.parametrize("dim", [0, -1])
def test_dimension_at_least_one(dim):
    def shape(m: Any) -> None:
        _main(m).tensors[POOL_OUT].shape = np.array([1, 4, dim, 8], dtype=np.int32)
    _refused(shape, Rule.DIMENSION, f"tensor {POOL_OUT}", f"has dimension {dim}")


@pytest.mark.parametrize("op, key, value", [
    (1, "strideW", 0), (1, "strideH", -1), (1, "filterWidth", 0), (3, "filterHeight", -3),
    (0, "dilationWFactor", 0), (2, "dilationHFactor", -1), (0, "strideH", 0),
])
def test_window_strides_dilations_filters_at_least_one(op, key, value):
    def change(m: Any) -> None:
        setattr(_main(m).operators[op].builtinOptions, key, value)
    _refused(change, Rule.WINDOW, f"op {op} ", f"option {key} is {value}")


def test_window_option_bounded_above():
    """A fuzzer's mutant: dilation 2^30 overflowed the kernels' 32-bit `dilation x tap` (UBSan)."""
    def change(m: Any) -> None:
        _main(m).operators[0].builtinOptions.dilationWFactor = 1 << 30
    _refused(change, Rule.WINDOW, "op 0 CONV_2D", "option dilationWFactor is 1073741824; it must lie in 1..65536")


@pytest.mark.parametrize("value", [0, -2, 1 << 20])
def test_block_size_is_a_window(value, tmp_path):
    """DEPTH_TO_SPACE's and SPACE_TO_DEPTH's block size (ops-b's group model): at least 1, at most 2^16."""
    from support.opgroups import write_groups

    path = write_groups(tmp_path)["ops_b"]

    def change(m: Any) -> None:
        ops = [op for op in _main(m).operators if hasattr(op.builtinOptions, "blockSize")]
        assert len(ops) >= 2
        ops[0].builtinOptions.blockSize = value
    with pytest.raises(MalformedModelError) as e:
        compile_model(read_model_bytes(edit(path.read_bytes(), change), source="blocks.tflite"))
    assert e.value.rules == {Rule.WINDOW}
    assert f"option blockSize is {value}; it must lie in 1..65536" in str(e.value)
    assert "_TO_" in str(e.value)  # names the operator


def test_window_reach_bounded():
    """Every option within bounds, but a 3x3 filter dilated 40000 times reaches 80001 elements."""
    def change(m: Any) -> None:
        _main(m).operators[0].builtinOptions.dilationHFactor = 40000
    _refused(change, Rule.WINDOW, "subgraph 0 op 0 CONV_2D", "reaches 80001 elements")


@pytest.mark.parametrize("beta", [math.nan, math.inf])
def test_option_value_finite(beta):
    def change(m: Any) -> None:
        _main(m).operators[6].builtinOptions.beta = beta
    _refused(change, Rule.OPTION_VALUE, "op 6 SOFTMAX", f"option beta is {beta!r}")


# --- sizes -----------------------------------------------------------------------------------------

def test_tensor_size_refused_before_any_proportional_allocation():
    """The issue's case: 1x16384x16384x8 made `inspect` allocate gigabytes. Now refused, and the peak
    of Python's allocations while refusing stays far below the tensor's size."""
    def huge(m: Any) -> None:
        for i in (CONV_OUT, POOL_OUT):
            _main(m).tensors[i].shape = np.array([1, 16384, 16384, 8], dtype=np.int32)
    model = edit(DATA, huge)
    tracemalloc.start()
    try:
        with pytest.raises(MalformedModelError) as e:
            compile_model(read_model_bytes(model, source="huge.tflite"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert Rule.TENSOR_SIZE in e.value.rules
    assert "2,147,483,648 bytes" in str(e.value) and f"{MAX_TENSOR_BYTES:,} bytes" in str(e.value)
    assert peak < 64 * 1024 * 1024, peak


def test_arena_size_ceiling(monkeypatch):
    """The planned arena against the ceiling (lowered here: the real one is 64 MiB, which needs a
    model of that size)."""
    import codegen.wellformed as wf
    monkeypatch.setattr(wf, "MAX_ARENA_BYTES", 256)
    with pytest.raises(MalformedModelError) as e:
        compile_model(DEFAULT_MODEL)
    assert e.value.rules == {Rule.ARENA_SIZE} and "more than the 256 bytes ceiling" in str(e.value)


def test_ceilings_are_documented():
    docs = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    assert f"{MAX_TENSOR_BYTES // 2**20} MiB" in docs and f"{MAX_ARENA_BYTES // 2**20} MiB" in docs
    assert "codegen/wellformed.py" in docs


# --- the message, and TFLM -----------------------------------------------------------------------------

def test_every_problem_is_listed_at_once():
    def several(m: Any) -> None:
        _set_quant(CONV_OUT, scale=[0.0])(m)
        _set_quant(POOL_OUT, zero_point=[300])(m)
        _main(m).operators[1].builtinOptions.strideW = 0
    err = _refused(several, Rule.SCALE)
    assert {Rule.SCALE, Rule.ZERO_POINT, Rule.WINDOW} <= err.rules
    assert "3 problem(s)" in str(err)


_TFLM_RUN = """
import sys
import numpy as np
from tflite_micro.python.tflite_micro import runtime
it = runtime.Interpreter.from_bytes(open(sys.argv[1], "rb").read(), arena_size=1 << 20)
it.set_input(np.zeros((1, 8, 8, 1), np.int8), 0)
it.invoke()
print(it.get_output(0).tolist())
"""


@pytest.mark.parametrize("name, change", [
    ("first_op_deleted", lambda m: _main(m).operators.pop(0)),
    ("stride_zero", lambda m: setattr(_main(m).operators[1].builtinOptions, "strideW", 0)),
])
def test_refused_although_tflm_runs_it(tmp_path, name, change):
    """TFLM's interpreter (in a child process: it may crash) runs these and returns numbers; mcuforge
    refuses them, and says why."""
    model = tmp_path / f"{name}.tflite"
    model.write_bytes(edit(DATA, change))
    res = subprocess.run([sys.executable, "-c", _TFLM_RUN, str(model)], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0 and res.stdout.startswith("[["), res.stderr[-2000:]
    with pytest.raises(MalformedModelError, match="TFLM's interpreter may still run it"):
        compile_model(model)


# --- every path that reads a model goes through the validator -------------------------------------------

@pytest.fixture(scope="module")
def malformed_model(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("malformed") / "no_first_op.tflite"
    p.write_bytes(edit(DATA, lambda m: _main(m).operators.pop(0)))
    return p


@pytest.mark.parametrize("argv", [
    ["inspect"], ["inspect", "--board", "stm32l475"], ["generate", "-o", "{out}"], ["debug", "--samples", "1"],
])
def test_every_command_refuses_a_malformed_model(malformed_model, tmp_path, argv):
    argv = [a.replace("{out}", str(tmp_path / "gen")) for a in argv]
    res = subprocess.run([sys.executable, "-m", "codegen", *argv, str(malformed_model)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode != 0
    assert "the model is malformed" in res.stderr and "MAX_POOL_2D" in res.stderr, res.stderr[-3000:]
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "gen").exists() or not any((tmp_path / "gen").iterdir())


def test_the_build_refuses_a_malformed_model(malformed_model, tmp_path):
    res = subprocess.run([str(ROOT / ".venv" / "bin" / "scons"), "-Q", "board=host", f"model={malformed_model}",
                          f"build_dir={tmp_path}"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode != 0
    assert "the model is malformed" in res.stderr and "Traceback" not in res.stderr, res.stderr[-3000:]
    assert not list(tmp_path.rglob("*.c"))
