#!/usr/bin/env bash
# End to end, offline, for PyTorch users: a small CNN trained with torch on scikit-learn's digits,
# exported to ONNX, quantised to int8 by mcuforge (onnx2tf + TensorFlow Lite's converter), then the
# float32 and int8 conversions built, run and validated on the emulated STM32L475 (QEMU) against TFLM
# and against the float model in ONNX Runtime. Needs the torch extra: pip install -e '.[torch]'.
# Everything lands in build/examples/pytorch/ (OUT=... to move it).
#
#   examples/pytorch/run.sh                 # ~1 minute on two cores
#   UPDATE=1 examples/pytorch/run.sh        # ... and refresh the committed results and the READMEs' table
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
OUT=${OUT:-build/examples/pytorch}
BOARD=${BOARD:-stm32l475}

# 1. train with torch, export digits.onnx (and digits.pt2); calib.npz and test.npz in NCHW, as ONNX Runtime takes them
$PY examples/pytorch/train.py --out "$OUT"

# 2. quantise the ONNX model: int8, and keep the float32 conversion as a variant
$PY -m codegen quantize "$OUT/digits.onnx" --data "$OUT/calib.npz" \
    -o "$OUT/digits_int8.tflite" --float-out "$OUT/digits_f32.tflite"

# 3. build, run and validate both on the board with the 297 held-out digits (NCHW, transposed by mcuforge)
$PY -m codegen compare "float32=$OUT/digits_f32.tflite" "int8=$OUT/digits_int8.tflite" \
    --board "$BOARD" --data "$OUT/test.npz" --samples 297 -o "$OUT/compare" \
    --title "PyTorch digits CNN (ONNX): float32 vs int8 on $BOARD"

# 4. the table the READMEs show, from compare.json
if [ "${UPDATE:-0}" = 1 ]; then
  $PY examples/pytorch/table.py "$OUT/compare/compare.json" --write
else
  $PY examples/pytorch/table.py "$OUT/compare/compare.json"
fi
