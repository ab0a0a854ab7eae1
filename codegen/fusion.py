"""Band fusion: a convolution feeding a non-overlapping pooling runs in bands of rows, so its full
output never exists; the special case of patch-based inference (codegen/planner/patches.py) that
computes nothing twice.

For `T = CONV_2D(X)` (or DEPTHWISE_CONV_2D) followed by `Y = POOL(T)` with a pooling window as tall
as its stride and no vertical padding, pooled row `b` needs exactly convolution rows
`[b*k, (b+1)*k)`. Run as a two-operator stage in one patch per pooled row, the generated code
alternates: the convolution computes those `k` rows into a band buffer (T's storage shrinks to `k`
rows), the pooling turns the band into output row `b`. This module finds the pairs; lowering
(`_fuse_bands`) runs each in bands where that makes the planned arena smaller, for every `memory`
option (nothing is recomputed).
"""

from __future__ import annotations

from codegen.ir import Graph
from codegen.ops.base import KernelCall, Struct, tensor_id

PRODUCERS = ("CONV_2D", "DEPTHWISE_CONV_2D")
POOLS = ("AVERAGE_POOL_2D", "MAX_POOL_2D")
MAX_BANDS = 128  # each band costs two parameter structs in flash


def _geo(call: KernelCall) -> dict:
    """The call's window geometry (nn.h mf_conv_geometry) by field name, or {} for other kernels."""
    geo = dict(call.params).get("geo")
    return dict(geo.fields) if isinstance(geo, Struct) else {}


def candidates(graph: Graph, steps: list) -> list[tuple[int, int]]:
    """(producer step, pool step) index pairs that band fusion can take."""
    sg = graph.main
    consumers = sg.consumers()
    out = []
    for i in range(len(steps) - 1):
        a, b = steps[i], steps[i + 1]
        if a.opcode not in PRODUCERS or b.opcode not in POOLS or len(a.calls) != 1 or len(b.calls) != 1:
            continue
        ca, cb = a.calls[0], b.calls[0]
        t = tensor_id(ca.outputs[0])
        if tensor_id(cb.inputs[0]) != t or consumers.get(t, []) != [b.op_index] or t in sg.outputs:
            continue
        pa, pb = _geo(ca), _geo(cb)
        need = ("in_h", "out_h", "pad_top", "stride_h", "k_h")
        if not all(k in pa for k in need) or not all(k in pb for k in need):
            continue
        if pb["k_h"] != pb["stride_h"] or pb["pad_top"] != 0 or pb["in_h"] != pa["out_h"]:
            continue
        if pb["out_h"] < 2 or pb["out_h"] > MAX_BANDS or pb["out_h"] * pb["k_h"] > pa["out_h"]:
            continue
        out.append((i, i + 1))
    return out
