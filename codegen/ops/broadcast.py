"""Numpy-style broadcasting of two operands, planned at build time for the binary kernels.

The C kernels walk the output in row-major order as ``rows x inner`` elements: an odometer over up
to :data:`OUTER_DIMS` outer dimensions (element strides per input, 0 where an input is broadcast)
and a contiguous inner run (input stride 1, or 0 for a broadcast input). Python pads shapes to the
output rank, drops size-1 dimensions and merges neighbouring dimensions that both inputs walk the
same way, so a same-shape operation becomes one inner run and ``[1,H,W,C] + [C]`` becomes
``H*W`` rows of ``C``. TFLM broadcasts up to 6 dimensions, hence 5 outer dimensions at most.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.ir import Tensor
from codegen.ops.base import Struct

MAX_RANK = 6
OUTER_DIMS = MAX_RANK - 1


@dataclass(frozen=True)
class Broadcast:
    """The loop plan of ``mf_broadcast`` (nn.h); ``outer`` is padded at the front with size 1."""

    outer: tuple[int, ...]
    stride1: tuple[int, ...]
    stride2: tuple[int, ...]
    inner: int
    inner_stride1: int
    inner_stride2: int

    @property
    def rows(self) -> int:
        n = 1
        for d in self.outer:
            n *= d
        return n

    @property
    def elements(self) -> int:
        return self.rows * self.inner

    def c_fields(self) -> tuple[tuple[str, tuple | int], ...]:
        """The fields of ``mf_broadcast`` (nn.h), for a call whose params struct is the plan itself."""
        return (("outer", self.outer), ("stride1", self.stride1), ("stride2", self.stride2),
                ("inner", self.inner), ("inner_stride1", self.inner_stride1),
                ("inner_stride2", self.inner_stride2))

    def c_value(self) -> Struct:
        """The value of an ``mf_broadcast`` member of a params struct (designated: any field order)."""
        return Struct(self.c_fields())

    def offsets(self) -> list[tuple[int, int]]:
        """(offset into input1, offset into input2) for every output element, in order (for tests)."""
        out = []
        idx = [0] * OUTER_DIMS
        for _ in range(self.rows):
            o1 = sum(i * s for i, s in zip(idx, self.stride1))
            o2 = sum(i * s for i, s in zip(idx, self.stride2))
            out += [(o1 + k * self.inner_stride1, o2 + k * self.inner_stride2) for k in range(self.inner)]
            for d in reversed(range(OUTER_DIMS)):
                idx[d] += 1
                if idx[d] < self.outer[d]:
                    break
                idx[d] = 0
        return out


def broadcast_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """The numpy broadcast of two shapes, or None if they do not broadcast."""
    rank = max(len(a), len(b))
    pa, pb = (1,) * (rank - len(a)) + tuple(a), (1,) * (rank - len(b)) + tuple(b)
    out = []
    for x, y in zip(pa, pb):
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y) if 0 not in (x, y) else 0)
    return tuple(out)


def _contiguous_strides(shape: tuple[int, ...]) -> list[int]:
    strides, s = [0] * len(shape), 1
    for d in reversed(range(len(shape))):
        strides[d] = s
        s *= shape[d]
    return strides


def plan(shape1: tuple[int, ...], shape2: tuple[int, ...], out_shape: tuple[int, ...]) -> Broadcast:
    rank = len(out_shape)
    p1 = (1,) * (rank - len(shape1)) + tuple(shape1)
    p2 = (1,) * (rank - len(shape2)) + tuple(shape2)
    c1, c2 = _contiguous_strides(p1), _contiguous_strides(p2)
    dims = []  # (size, stride1, stride2), outermost first, size-1 dimensions dropped
    for d in range(rank):
        if out_shape[d] == 1:
            continue
        dims.append((out_shape[d], c1[d] if p1[d] == out_shape[d] else 0, c2[d] if p2[d] == out_shape[d] else 0))
    merged: list[tuple[int, int, int]] = []
    for size, s1, s2 in dims:
        if merged:
            psize, ps1, ps2 = merged[-1]
            if ps1 == s1 * size and ps2 == s2 * size:
                merged[-1] = (psize * size, s1, s2)
                continue
        merged.append((size, s1, s2))
    if not merged:
        merged = [(1, 0, 0)]
    inner, is1, is2 = merged[-1]
    outer = merged[:-1]
    if len(outer) > OUTER_DIMS:
        raise ValueError(f"broadcast of {shape1} and {shape2} needs more than {MAX_RANK} dimensions")
    outer = [(1, 0, 0)] * (OUTER_DIMS - len(outer)) + outer
    return Broadcast(outer=tuple(o[0] for o in outer), stride1=tuple(o[1] for o in outer),
                     stride2=tuple(o[2] for o in outer), inner=inner,
                     inner_stride1=1 if is1 else 0, inner_stride2=1 if is2 else 0)


def check_binary_shapes(in1: Tensor, in2: Tensor, out: Tensor) -> list[str]:
    """Reasons two operands cannot be broadcast into the output (TFLM: up to 6 dimensions)."""
    shape = broadcast_shape(in1.shape, in2.shape)
    if shape is None:
        return [f"shapes {list(in1.shape)} and {list(in2.shape)} do not broadcast"]
    problems = []
    if tuple(shape) != tuple(out.shape) and not (shape == () and out.elements == 1):
        problems.append(f"output shape {list(out.shape)} is not the broadcast shape {list(shape)}")
    if max(len(in1.shape), len(in2.shape), len(out.shape)) > MAX_RANK:
        problems.append(f"rank above {MAX_RANK}")
    return problems
