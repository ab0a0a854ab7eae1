"""The data-movement helpers CONCATENATION/PACK and SPLIT/UNPACK share: a whole cut along an axis into
pieces, checked (piece_problems) and copied row by row (piece_rows), in both directions; a check's axis
after its other problems (axis_after)."""

from __future__ import annotations

import numpy as np

from codegen.ir import DType, Tensor
from codegen.ops.movement import Rows, axis_after, norm_axis, piece_problems, piece_rows


def tensor(name: str, shape: tuple[int, ...], dtype: DType = DType.INT16) -> Tensor:
    return Tensor(index=0, name=name, shape=shape, dtype=dtype)


def copy_rows(src: bytes, dst: bytearray, r: Rows) -> None:
    """mf_copy_rows in Python."""
    for k in range(r.rows):
        i, o = r.in_offset + k * r.in_stride, r.out_offset + k * r.out_stride
        dst[o:o + r.row_bytes] = src[i:i + r.row_bytes]


def test_gather_then_scatter_is_numpy_concatenate_then_split():
    whole_shape, axis, extents = (2, 5, 3), 1, [1, 3, 1]
    pieces = [np.arange(2 * n * 3, dtype=np.int16).reshape(2, n, 3) + 100 * k for k, n in enumerate(extents)]
    whole = tensor("whole", whole_shape)
    gathered = bytearray(whole.nbytes)
    for p, r in zip(pieces, piece_rows(whole, axis, extents, gather=True)):
        copy_rows(p.tobytes(), gathered, r)
    want = np.concatenate(pieces, axis=axis)
    assert bytes(gathered) == want.tobytes()
    for p, r in zip(pieces, piece_rows(whole, axis, extents, gather=False)):
        back = bytearray(p.nbytes)
        copy_rows(bytes(gathered), back, r)
        assert bytes(back) == p.tobytes()


def test_piece_problems_name_the_piece_and_the_sum():
    whole = tensor("whole", (2, 5, 3))
    assert piece_problems([tensor("a", (2, 2, 3)), tensor("b", (2, 3, 3))], whole, 1, "input") == []
    bad = piece_problems([tensor("a", (2, 2, 4)), tensor("b", (2, 3, 3))], whole, 1, "input")
    assert len(bad) == 1 and bad[0].startswith("input ") and "is not a piece of" in bad[0] and "axis 1" in bad[0]
    short = piece_problems([tensor("a", (2, 2, 3))], whole, 1, "output")
    assert short == [f"outputs add up to 2 on axis 1, {whole.describe()} has 5"]


def test_axis_after_stops_at_problems_then_reports_a_bad_axis():
    assert axis_after(["type int4"], lambda: norm_axis(0, 2)) == (None, ["type int4"])
    assert axis_after([], lambda: norm_axis(-1, 3)) == (2, [])
    assert axis_after([], lambda: norm_axis(3, 3)) == (None, ["axis 3 out of range for rank 3"])
