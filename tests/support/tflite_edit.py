"""Small reads and edits of converted .tflite models, for what the TensorFlow converter never emits
(a convolution without a bias input, a pool with a fused activation) and for asserting that a case's
model holds the operator its name promises."""

from __future__ import annotations

from typing import Any

import flatbuffers
import numpy as np

from codegen.ir import Operator, Subgraph
from codegen.tflite import read_model_bytes
from codegen.tflite.schema import BUILTIN_NAMES, fb


def ops_of(model: bytes, opcode: str) -> list[tuple[Subgraph, Operator]]:
    """Every `opcode` operator of the main subgraph, with the subgraph (for its tensors)."""
    sg = read_model_bytes(model).main
    return [(sg, op) for op in sg.operators if op.opcode == opcode]


def _edit(model: bytes, opcode: str, change: Any) -> bytes:
    m = fb.ModelT.InitFromPackedBuf(model, 0)
    codes = [BUILTIN_NAMES.get(max(c.builtinCode, c.deprecatedBuiltinCode)) for c in m.operatorCodes]
    hits = 0
    for sg in m.subgraphs:
        for op in sg.operators:
            if codes[op.opcodeIndex] == opcode:
                change(op)
                hits += 1
    if not hits:
        raise ValueError(f"the model has no {opcode} operator")
    b = flatbuffers.Builder(len(model) + 1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def drop_input(model: bytes, opcode: str, index: int) -> bytes:
    """Mark input `index` of every `opcode` operator absent (-1), as TFLite writes optional inputs."""
    def change(op: Any) -> None:
        ins = np.array(op.inputs, dtype=np.int32)
        ins[index] = -1
        op.inputs = ins
    return _edit(model, opcode, change)


def set_option(model: bytes, opcode: str, name: str, value: Any) -> bytes:
    """Set builtin option `name` (the schema's camelCase field, e.g. ``depthMultiplier``) of every
    `opcode` operator."""
    def change(op: Any) -> None:
        if not hasattr(op.builtinOptions, name):
            raise AttributeError(f"{opcode} options have no field {name!r}")
        setattr(op.builtinOptions, name, value)
    return _edit(model, opcode, change)


def set_fused_activation(model: bytes, opcode: str, activation: str) -> bytes:
    """Set the fused activation (``"RELU6"`` etc.) of every `opcode` operator."""
    return set_option(model, opcode, "fusedActivationFunction", getattr(fb.ActivationFunctionType, activation))
