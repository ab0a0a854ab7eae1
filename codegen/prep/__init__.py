"""Model preparation: a float model in, an integer .tflite out, and the variants measured on a board.

* :mod:`codegen.prep.data`: sample sets (.npy, .npz with ``x`` [and ``y``], a directory of .npy
  samples), checked and shaped against a model input. No TensorFlow.
* :mod:`codegen.prep.source`: what a model file is (Keras .keras/.h5, SavedModel, .tflite, .onnx, .pt2)
  and loading it (TensorFlow, imported lazily).
* :mod:`codegen.prep.onnx_model`: an ONNX model checked before conversion (opset, QDQ, inputs, dynamic
  axes, operators the converter lacks); the ``onnx`` package, no TensorFlow.
* :mod:`codegen.prep.onnx_convert`: ONNX -> TensorFlow with onnx2tf, and the float32 conversion checked
  against ONNX Runtime (which also settles each tensor's layout).
* :mod:`codegen.prep.torch_export`: a torch.export ``.pt2`` to ONNX (the torch extra).
* :mod:`codegen.prep.prune`: magnitude pruning (unstructured, 2:4, whole channels) with an optional
  short fine-tune, on Keras 3 models.
* :mod:`codegen.prep.quantize`: TensorFlow's converter with a representative dataset: full-integer
  int8 or int16x8, integer or float model I/O; the size change and the per-tensor ranges.
* :mod:`codegen.prep.ranges`: per-tensor quantisation ranges and weight statistics of a .tflite
  (no TensorFlow).
* :mod:`codegen.prep.compare`: build, run and validate several variants of a model on one board and
  hand the numbers to :mod:`codegen.reports.compare` (table, bar charts) plus the trade-off plot.
* :mod:`codegen.prep.commands`: the ``quantize`` and ``compare`` subcommands.

Code generation never imports TensorFlow; only ``source``, ``prune`` and ``quantize`` do, inside
their functions.
"""
