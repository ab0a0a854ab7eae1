"""Kernel params against nn.h: every KernelCall names exactly the fields of its params struct (names
and count, nested structs by name, array lengths), for every call the shared models, the default
model and the per-op test models produce, with both kernel variants. (tests/conftest.py also checks
every model any test compiles.)"""

from __future__ import annotations

from dataclasses import replace

import pytest

import codegen.ops.registry as registry
from codegen.generate import GenerateOptions, compile_model
from codegen.host import VARIANTS, variant_target
from codegen.ops.base import KernelCall, Struct
from codegen.ops.broadcast import Broadcast, plan
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes
from support.nn_header import CField, call_problems, model_problems, nn_structs, parse_structs
from support.paths import DEFAULT_MODEL, ROOT, SHARED_MODELS
from support.tflite_build import Spec, single_op

HEADER = """
#define N_DIMS 3
/* a comment with a typedef struct { int x; } fake; inside */
typedef struct {
    int32_t a, b;             // two
    const int8_t *filter;
    int32_t dims[N_DIMS];
    void (*run)(void);
    inner_t in;
} outer_t;
"""


def test_the_parser_reads_members_pointers_arrays_and_function_pointers():
    s = parse_structs(HEADER)
    assert list(s) == ["outer_t"]
    assert s["outer_t"] == (CField("a", "int32_t", 0, None), CField("b", "int32_t", 0, None),
                            CField("filter", "int8_t", 1, None), CField("dims", "int32_t", 0, 3),
                            CField("run", "fn", 1, None), CField("in", "inner_t", 0, None))


def test_nn_h_has_the_params_structs():
    s = nn_structs()
    assert [f.name for f in s["mf_broadcast"]] == ["outer", "stride1", "stride2", "inner", "inner_stride1",
                                                    "inner_stride2"]
    assert s["mf_add_q_params"][0] == CField("bc", "mf_broadcast", 0, None)
    assert s["mf_conv2d_s8_params"][0] == CField("geo", "mf_conv_geometry", 0, None)  # conv-like geometry
    assert len(s["mf_conv_geometry"]) == 14


def _call(params: tuple, params_type: str = "mf_softmax_s8_params") -> KernelCall:
    return KernelCall(function="mf_x", params_type=params_type, params=params, inputs=(), outputs=())


SOFTMAX = (("outer", 1), ("depth", 10), ("input_multiplier", 1 << 30), ("input_left_shift", 23), ("diff_min", -248))


def test_a_forgotten_misspelled_or_repeated_field_is_named():
    assert call_problems(_call(SOFTMAX)) == []
    assert call_problems(_call(SOFTMAX[:-1])) == ["mf_x: mf_softmax_s8_params fields not set: diff_min"]
    assert "no such fields in mf_softmax_s8_params: dif_min" in call_problems(
        _call(SOFTMAX[:-1] + (("dif_min", 0),)))[1]
    assert call_problems(_call(SOFTMAX + (("depth", 3),))) == ["mf_x: set twice: depth"]
    assert call_problems(_call(SOFTMAX, "mf_nothing")) == ["mf_x: no struct mf_nothing in nn.h"]


def test_nested_structs_by_name_and_arrays_by_length():
    bc = plan((1, 4, 8), (8,), (1, 4, 8))
    good = (("bc", bc.c_value()), ("act_min", 0), ("act_max", 0), ("subtract", 0))
    assert call_problems(_call(good, "mf_arith_f32_params")) == []
    positional = (("bc", tuple(v for _, v in bc.c_fields())),) + good[1:]
    assert "not a Struct" in call_problems(_call(positional, "mf_arith_f32_params"))[0]
    short = (("bc", Struct(bc.c_fields()[1:])),) + good[1:]
    assert call_problems(_call(short, "mf_arith_f32_params")) == [
        "mf_x.bc: mf_broadcast fields not set: outer"]
    wrong = (("bc", Struct((("outer", (1, 2)),) + bc.c_fields()[1:])),) + good[1:]
    assert call_problems(_call(wrong, "mf_arith_f32_params")) == [
        "mf_x.bc.outer: int32_t[5] given 2 values"]


MODELS = sorted(SHARED_MODELS.glob("*.tflite")) + [DEFAULT_MODEL]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_every_call_of_the_shared_models_matches_nn_h(path, variant):
    compiled = compile_model(path, target=variant_target(variant), options=GenerateOptions(prefix="m"))
    assert model_problems(compiled) == []


def test_every_call_of_the_cached_per_op_models_matches_nn_h():
    """The per-op test models converted so far (.cache/testmodels; the per-op tests compile them
    too, checked by tests/conftest.py): those this generator supports, in both variants."""
    from codegen.errors import McuforgeError
    checked = 0
    for path in sorted((ROOT / ".cache" / "testmodels").glob("*.tflite")):
        for variant in VARIANTS:
            try:
                compiled = compile_model(read_model_bytes(path.read_bytes(), source=path.name),
                                         target=variant_target(variant), options=GenerateOptions(prefix="m"))
            except McuforgeError:
                continue  # refused (another branch's operator, a model the validator rejects): not this test's subject
            assert model_problems(compiled) == [], path.name
            checked += 1
    assert checked or not any((ROOT / ".cache" / "testmodels").glob("*.tflite"))


def test_a_field_python_forgets_fails(monkeypatch):
    """Sabotage CONV_2D's lowering: it forgets `act_max`. The check names the op and the field."""
    h = registry.handler("CONV_2D")

    def lower(ctx):
        low = h.lower(ctx)
        call = low.calls[0]
        return replace(low, calls=(replace(call, params=tuple(p for p in call.params if p[0] != "act_max")),))

    monkeypatch.setitem(registry._HANDLERS, "CONV_2D", replace(h, lower=lower))
    with pytest.raises(AssertionError, match="op 0 \\(CONV_2D\\) mf_conv2d_s8: mf_conv2d_s8_params fields "
                                             "not set: act_max"):
        compile_model(DEFAULT_MODEL, options=GenerateOptions(prefix="m"))  # checked by tests/conftest.py


def test_broadcast_does_not_depend_on_field_order(monkeypatch):
    """mf_broadcast members are designated: with its fields given in reverse, ADD with broadcasting
    still matches TFLM bit for bit (a positional initialiser would scramble outer and strides)."""
    model = single_op("ADD", [Spec((1, 3, 4, 8), "int8", 0.05, 3), Spec((1, 1, 4, 1), "int8", 0.04, -2)],
                      [Spec((1, 3, 4, 8), "int8", 0.1, 1)], "AddOptions")
    monkeypatch.setattr(Broadcast, "c_value", lambda self: Struct(tuple(reversed(self.c_fields()))))
    compiled = compile_model(read_model_bytes(model, source="add.tflite"), options=GenerateOptions(prefix="m"))
    bc = dict(compiled.steps[0].calls[0].params)["bc"]
    assert [n for n, _ in bc.fields][0] == "inner_stride2" and bc.fields[-1][0] == "outer"
    assert compare_bytes(model, "add_bcast_reversed", samples=5).exact
