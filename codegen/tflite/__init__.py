"""Reading .tflite flatbuffers into the IR, without TensorFlow."""

from codegen.tflite.reader import read_model, read_model_bytes

__all__ = ["read_model", "read_model_bytes"]
