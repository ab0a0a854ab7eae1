"""The TFLite flatbuffer schema module (generated Python, shipped with `tflite-micro`), and name tables."""

from __future__ import annotations

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

BUILTIN_NAMES: dict[int, str] = {
    v: k for k, v in vars(fb.BuiltinOperator).items() if not k.startswith("_") and isinstance(v, int)
}
OPTIONS_NAMES: dict[int, str] = {
    v: k for k, v in vars(fb.BuiltinOptions).items() if not k.startswith("_") and isinstance(v, int)
}
ACTIVATIONS: dict[int, str] = {
    v: k for k, v in vars(fb.ActivationFunctionType).items() if not k.startswith("_") and isinstance(v, int)
}
PADDINGS: dict[int, str] = {
    v: k for k, v in vars(fb.Padding).items() if not k.startswith("_") and isinstance(v, int)
}

__all__ = ["fb", "BUILTIN_NAMES", "OPTIONS_NAMES", "ACTIVATIONS", "PADDINGS"]
