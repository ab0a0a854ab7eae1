"""Element types: the TFLite schema's numbering, C spelling, numpy dtype and size in one table."""

from __future__ import annotations

import enum

import numpy as np


class DType(enum.Enum):
    """A tensor element type. ``value`` is the TFLite schema's TensorType number."""

    FLOAT32 = 0
    FLOAT16 = 1
    INT32 = 2
    UINT8 = 3
    INT64 = 4
    STRING = 5
    BOOL = 6
    INT16 = 7
    COMPLEX64 = 8
    INT8 = 9
    FLOAT64 = 10
    COMPLEX128 = 11
    UINT64 = 12
    RESOURCE = 13
    VARIANT = 14
    UINT32 = 15
    UINT16 = 16
    INT4 = 17
    BFLOAT16 = 18

    @property
    def np(self) -> np.dtype:
        try:
            return np.dtype(_NUMPY[self])
        except KeyError:
            raise ValueError(f"{self.name} has no numpy equivalent here") from None

    @property
    def size(self) -> int:
        return _SIZES[self]

    @property
    def c_type(self) -> str:
        return _C_TYPES[self]

    @property
    def short(self) -> str:
        """Kernel-name suffix: s8, s16, s32, f32, u8, b8."""
        return _SHORT[self]

    @property
    def mf_enum(self) -> str:
        """The `mf_type` enumerator in firmware/include/mcuforge/model.h."""
        return "MF_" + self.name

_NUMPY = {
    DType.FLOAT32: "float32", DType.FLOAT16: "float16", DType.INT32: "int32", DType.UINT8: "uint8",
    DType.INT64: "int64", DType.BOOL: "bool", DType.INT16: "int16", DType.INT8: "int8",
    DType.FLOAT64: "float64", DType.UINT64: "uint64", DType.UINT32: "uint32", DType.UINT16: "uint16",
}
_SIZES = {
    DType.FLOAT32: 4, DType.FLOAT16: 2, DType.INT32: 4, DType.UINT8: 1, DType.INT64: 8,
    DType.BOOL: 1, DType.INT16: 2, DType.INT8: 1, DType.FLOAT64: 8, DType.UINT64: 8,
    DType.UINT32: 4, DType.UINT16: 2, DType.RESOURCE: 4, DType.COMPLEX64: 8,
    DType.COMPLEX128: 16, DType.STRING: 1, DType.VARIANT: 4, DType.INT4: 1, DType.BFLOAT16: 2,
}
_C_TYPES = {
    DType.FLOAT32: "float", DType.INT32: "int32_t", DType.UINT8: "uint8_t", DType.INT64: "int64_t",
    DType.BOOL: "uint8_t", DType.INT16: "int16_t", DType.INT8: "int8_t", DType.UINT32: "uint32_t",
    DType.UINT16: "uint16_t", DType.UINT64: "uint64_t", DType.FLOAT64: "double",
    DType.RESOURCE: "int32_t",
}
_SHORT = {
    DType.FLOAT32: "f32", DType.INT32: "s32", DType.UINT8: "u8", DType.INT64: "s64",
    DType.BOOL: "b8", DType.INT16: "s16", DType.INT8: "s8", DType.UINT32: "u32",
    DType.UINT16: "u16", DType.FLOAT16: "f16", DType.FLOAT64: "f64", DType.RESOURCE: "res",
}
