"""The typed option records: enums where a value is one of a set, refused when built wrong."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from codegen.errors import McuforgeError
from codegen.kernels import KernelVariant
from codegen.options import (BuildOptions, CompareOptions, MemoryMode, OptLevel, RunOptions, TargetKind, TargetOptions,
                             ValidateOptions, VariantSpec)


def test_enums_compare_and_print_as_their_text():
    b = BuildOptions(kernels="dsp", opt="-O3")
    assert b.kernels is KernelVariant.DSP and b.kernels == "dsp" and b.opt is OptLevel.O3
    assert BuildOptions(kernels="auto").kernels is None and BuildOptions().variant_suffix() == ""
    assert b.variant_suffix() == "-dsp-O3" and BuildOptions(int8_io=True).variant_suffix() == "-int8io"
    assert json.loads(json.dumps(asdict(b)))["kernels"] == "dsp"
    assert TargetOptions(target="attach").target is TargetKind.ATTACH
    m = BuildOptions(memory="ram")
    assert m.memory is MemoryMode.RAM and m.memory == "ram" and m.variant_suffix() == "-memram"
    assert BuildOptions().memory is MemoryMode.BALANCED


@pytest.mark.parametrize("make, match", [
    (lambda: BuildOptions(kernels="dps"), r"unknown kernel variant 'dps'"),
    (lambda: BuildOptions(opt="-O9"), "opt=-O9"),
    (lambda: BuildOptions(memory="small"), "memory=small: not one of ram, balanced, speed"),
    (lambda: TargetOptions(target="qemu"), "target=qemu: not one of auto, emulator"),
    (lambda: TargetOptions(timeout=0), "timeout=0"),
    (lambda: RunOptions(n=0), "n=0"),
    (lambda: RunOptions(sample=-1), "sample=-1"),
    (lambda: ValidateOptions(samples=0), "samples=0"),
    (lambda: CompareOptions(kernels="cmsis"), "unknown kernel variant 'cmsis'"),
    (lambda: VariantSpec.parse("name="), "no model path"),
])
def test_a_record_built_wrong_is_refused(make, match):
    with pytest.raises(McuforgeError, match=match):
        make()


def test_variant_spec():
    v = VariantSpec.parse("fast=m/b.tflite:int8io")
    assert (v.name, str(v.model), v.int8_io) == ("fast", "m/b.tflite", True)
    from codegen.origin import VariantKind
    v = VariantSpec.parse("student=../x.y/s.tflite:distilled:int8io")
    assert (v.name, str(v.model), v.int8_io, v.kind) == ("student", "../x.y/s.tflite", True, VariantKind.DISTILLED)
    assert VariantSpec.parse("p=p.tflite:pruned").kind == VariantKind.PRUNED and VariantSpec.parse("a.tflite").kind is None
    with pytest.raises(McuforgeError, match="unknown variant kind 'distiled'"):
        VariantSpec.parse("s.tflite:distiled")
    assert VariantSpec.parse("m/a.tflite") == VariantSpec.parse("a=m/a.tflite")
