#!/usr/bin/env bash
# The tune example, offline: a teacher CNN trained on scikit-learn's digits, then `tune` searches a
# depthwise-separable student distilled from it, every trial built, run and validated on the emulated
# STM32L475 (QEMU); the best student is exported and compared with the teacher (float32, int8, channels
# pruned + int8) on the board. Everything lands in build/examples/tune-digits/ (OUT=... to move it).
#
#   examples/tune-digits/run.sh              # ~10 minutes on two cores (README.md has the measured times)
#   UPDATE=1 examples/tune-digits/run.sh     # ... and refresh results.json, the README's tables and tune.png
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
OUT=${OUT:-build/examples/tune-digits}
BOARD=${BOARD:-stm32l475}
TRIALS=${TRIALS:-12}
rm -rf "$OUT/study" "$OUT/export" "$OUT/compare"
mkdir -p "$OUT"
t0=$(date +%s.%N)

# 1. the teacher and the data: train.npz (1,500 digits), val.npz (297 held out), calib.npz, teacher.keras
$PY examples/tune-digits/teacher.py --out "$OUT"
t1=$(date +%s.%N)

# 2. the search: TRIALS trials, each trained (distilled), quantised, built, run and validated on the board;
#    then the most accurate student of the Pareto front again without the teacher; export the best
$PY -m codegen tune --space examples/tune-digits/space.toml --data "$OUT/train.npz" --val "$OUT/val.npz" \
    --teacher "$OUT/teacher.keras" --board "$BOARD" --trials "$TRIALS" --study "$OUT/study" \
    --export best -o "$OUT/export"
t2=$(date +%s.%N)

# 3. the classic trade-off table on the board: the teacher as trained (float32), quantised, channels-pruned
#    and quantised, and the distilled student
$PY -m codegen quantize "$OUT/teacher.keras" --data "$OUT/calib.npz" \
    -o "$OUT/teacher_int8.tflite" --float-out "$OUT/teacher_f32.tflite"
$PY -m codegen quantize "$OUT/teacher.keras" --data "$OUT/calib.npz" -o "$OUT/teacher_channels50_int8.tflite" \
    --prune 0.5 --structured channels --train "$OUT/train.npz" --epochs 3
student=$(ls "$OUT"/export/trial*_int8.tflite)
$PY -m codegen compare "teacher=$OUT/teacher_f32.tflite" "teacher+int8=$OUT/teacher_int8.tflite" \
    "channels50+int8=$OUT/teacher_channels50_int8.tflite" "student=$student" \
    --board "$BOARD" --data "$OUT/val.npz" --samples 297 -o "$OUT/compare" \
    --title "digits: the teacher and the distilled student on $BOARD"
t3=$(date +%s.%N)

times > "$OUT/.cpu"   # the children's user and system time (not in a pipe: a subshell has no children)
cpu=$(tail -1 "$OUT/.cpu" | awk '{gsub("m"," "); gsub("s",""); print 60*$1+$2+60*$3+$4}')
machine="Measured on $(nproc) cores ($(uname -m)), $(date -u +%Y-%m-%d); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
$PY - "$OUT/times.json" "$t0" "$t1" "$t2" "$t3" "$cpu" "$machine" <<'PY'
import json, sys
path, t0, t1, t2, t3, cpu, machine = sys.argv[1], *map(float, sys.argv[2:7]), sys.argv[7]
json.dump({"teacher": t1 - t0, "tune": t2 - t1, "compare": t3 - t2, "total": t3 - t0, "cpu": cpu, "machine": machine},
          open(path, "w"), indent=2)
PY

# 4. the README's tables and plot, from tune.json and compare.json
if [ "${UPDATE:-0}" = 1 ]; then
  $PY examples/tune-digits/table.py "$OUT" --write
else
  $PY examples/tune-digits/table.py "$OUT"
fi
