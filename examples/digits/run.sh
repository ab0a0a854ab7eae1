#!/usr/bin/env bash
# End to end, offline: a float Keras model trained on scikit-learn's digits, quantised to int8 (plain,
# 50 % magnitude-pruned, 50 % of the channels removed), and all variants compared with the float32
# model on the emulated STM32L475 (QEMU). Everything lands in build/examples/digits/ (OUT=... to move it).
#
#   examples/digits/run.sh            # a few minutes: 4 min 12 s on two busy cores (96 s of CPU)
#   UPDATE=1 examples/digits/run.sh   # ... and record compare.json as examples/digits/results.json, the
#                                     # numbers README.md, docs/PREPARE.md and examples/digits/README.md show
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
OUT=${OUT:-build/examples/digits}
BOARD=${BOARD:-stm32l475}

# 1. train the float model (digits.keras) and write calib.npz, train.npz, test.npz
$PY examples/digits/train.py --out "$OUT"

# 2. quantise: int8 (and keep the float32 conversion as a variant)
$PY -m codegen quantize "$OUT/digits.keras" --data "$OUT/calib.npz" \
    -o "$OUT/digits_int8.tflite" --float-out "$OUT/digits_f32.tflite"

# 3. prune half the weights (magnitude, fine-tuned 3 epochs), then quantise
$PY -m codegen quantize "$OUT/digits.keras" --data "$OUT/calib.npz" -o "$OUT/digits_pruned50_int8.tflite" \
    --prune 0.5 --train "$OUT/train.npz" --epochs 3

# 4. remove half the channels of every convolution and hidden layer (fine-tuned 3 epochs), then quantise
$PY -m codegen quantize "$OUT/digits.keras" --data "$OUT/calib.npz" -o "$OUT/digits_channels50_int8.tflite" \
    --prune 0.5 --structured channels --train "$OUT/train.npz" --epochs 3

# 5. build, run and validate every variant on the board with the same 297 held-out digits
$PY -m codegen compare \
    "float32=$OUT/digits_f32.tflite" \
    "int8=$OUT/digits_int8.tflite" \
    "pruned50+int8=$OUT/digits_pruned50_int8.tflite" \
    "channels50+int8=$OUT/digits_channels50_int8.tflite" \
    --board "$BOARD" --data "$OUT/test.npz" --samples 297 -o "$OUT/compare" \
    --title "digits CNN: float32 vs int8 vs pruned on $BOARD"

# 6. the tables the documentation shows, from compare.json
if [ "${UPDATE:-0}" = 1 ]; then
  cp "$OUT/compare/compare.json" examples/digits/results.json
  $PY -m codegen docs --write readme-digits digits-compare digits-weights prepare-pruning
fi
