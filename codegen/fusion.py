"""Band fusion: a convolution feeding a non-overlapping pooling runs in bands of rows, so its full
output never exists.

For `T = CONV_2D(X)` (or DEPTHWISE_CONV_2D) followed by `Y = POOL(T)` with a pooling window as tall
as its stride and no vertical padding, pooled row `b` needs exactly convolution rows
`[b*k, (b+1)*k)`. The generated code then alternates: the convolution computes those `k` rows into
a band buffer (T's storage shrinks to `k` rows), the pooling turns the band into output row `b`.
Each band is an ordinary kernel call on a sub-geometry (TFLM's padding on the border bands, the
input pointer moved to the first row the band reads), so results are bit-identical. Only applied
when it makes the planned arena smaller (compile_graph tries both).
"""

from __future__ import annotations

from dataclasses import dataclass, replace


from codegen.ir import Graph
from codegen.ops.base import KernelCall, Struct, TensorView, tensor_id

PRODUCERS = ("CONV_2D", "DEPTHWISE_CONV_2D")
POOLS = ("AVERAGE_POOL_2D", "MAX_POOL_2D")
MAX_BANDS = 128  # each band costs two parameter structs in flash


@dataclass(frozen=True)
class Fusion:
    producer: int  # op index of the convolution
    pool: int      # op index of the pooling
    tensor: int    # the convolution's output, now a band buffer
    band_bytes: int
    bands: int


def _geo(call: KernelCall) -> dict:
    """The call's window geometry (nn.h mf_conv_geometry) by field name, or {} for other kernels."""
    geo = dict(call.params).get("geo")
    return dict(geo.fields) if isinstance(geo, Struct) else {}


def _with_geo(call: KernelCall, **fields: int) -> tuple:
    """The call's params with these geometry fields changed."""
    return tuple((k, Struct(tuple((n, fields.get(n, x)) for n, x in v.fields)) if k == "geo" else v)
                 for k, v in call.params)


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


def fuse(graph: Graph, steps: list, pair: tuple[int, int]) -> tuple[list, Fusion]:
    """The steps with `pair` run in bands; the fusion record says how big T's band buffer is."""
    i, j = pair
    a, b = steps[i], steps[j]
    ca, cb = a.calls[0], b.calls[0]
    pa, pb = _geo(ca), _geo(cb)
    sg = graph.main
    x, t, y = tensor_id(ca.inputs[0]), tensor_id(ca.outputs[0]), tensor_id(cb.outputs[0])
    tt, xt, yt = sg.tensors[t], sg.tensors[x], sg.tensors[y]
    k = pb["k_h"]
    t_row = tt.nbytes // tt.shape[1]
    x_row = xt.nbytes // xt.shape[1]
    y_row = yt.nbytes // yt.shape[1]
    dil = pa.get("dil_h", 1)
    calls: list[KernelCall] = []
    for band in range(pb["out_h"]):
        r0 = band * k                               # first convolution row of the band
        y0 = r0 * pa["stride_h"] - pa["pad_top"]    # first input row its window starts at
        last = (r0 + k - 1) * pa["stride_h"] - pa["pad_top"] + (pa["k_h"] - 1) * dil
        start, end = max(0, y0), min(pa["in_h"], last + 1)
        conv = replace(ca, params=_with_geo(ca, in_h=end - start, out_h=k, pad_top=start - y0),
                       inputs=(TensorView(x, start * x_row), *ca.inputs[1:]), outputs=(t,), shares=(),
                       inplace=(), arrays=ca.arrays if band == 0 else (),
                       comment=f"{ca.comment}, band {band}: rows {r0}..{r0 + k - 1}")
        pool = replace(cb, params=_with_geo(cb, in_h=k, out_h=1), inputs=(t,),
                       outputs=(TensorView(y, band * y_row),), shares=(), inplace=(),
                       comment=f"{cb.comment}, band {band}")
        calls += [conv, pool]
    new = list(steps)
    new[i] = replace(a, calls=tuple(calls), summary=a.summary + f" (fused with op {b.op_index} "
                                                                 f"{b.opcode} in {pb['out_h']} bands)")
    new[j] = replace(b, calls=(), summary=b.summary + f" (computed in op {a.op_index}'s bands)")
    return new, Fusion(producer=a.op_index, pool=b.op_index, tensor=t, band_bytes=k * t_row, bands=pb["out_h"])

