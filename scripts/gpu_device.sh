#!/bin/bash
# Runs ON the lent GPU machine (the device tool's `run`), in the repository root:
#   bash scripts/gpu_device.sh dit SECONDS     # carry: .whl .gpu/pack.tar.xz
#   bash scripts/gpu_device.sh codec SECONDS   # carry: .whl .gpu/audio.tar .gpu/codec
#   bash scripts/gpu_device.sh codec2 SECONDS  # the same decoder and a widened one (WIDE=32),
#                                              # side by side into $OUT/small and $OUT/wide
# It installs the carried wheels (soundfile, cffi, pycparser, soxr, auraloss for Python 3.12:
# README "Training on a lent GPU"), lays the repository out as the `ambisketch` package and
# trains into $OUT (files under 16 MiB each come back). Env: BATCH, LR, WORKERS.
set -o pipefail
mode=${1:?dit or codec}
T=${2:-420}
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl || exit 3
mkdir -p /tmp/pkg/ambisketch && cp ambisketch/__init__.py /tmp/pkg/ambisketch/ \
  && ln -sfn "$PWD/engine" /tmp/pkg/ambisketch/engine \
  && ln -sfn "$PWD/training" /tmp/pkg/ambisketch/training || exit 4
export PYTHONPATH=/tmp/pkg:/tmp/site PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
nvidia-smi -L
case "$mode" in
  dit)
    export OMP_NUM_THREADS=1
    mkdir -p /tmp/pack && (cd /tmp/pack && xz -dc "$OLDPWD/.gpu/pack.tar.xz" | tar x) || exit 5
    python3 scripts/gpu_train.py /tmp/pack/pack "$OUT" --seconds "$T" --batch "${BATCH:-512}" \
      --lr "${LR:-5e-4}" --workers "${WORKERS:-14}" 2>&1 | tee "$OUT/log.txt" ;;
  codec)
    python3 scripts/gpu_codec.py train .gpu/codec .gpu/audio.tar "$OUT" --seconds "$T" \
      --batch "${BATCH:-32}" --lr "${LR:-1e-4}" 2>&1 | tee "$OUT/log.txt" ;;
  codec2)
    python3 scripts/gpu_codec.py train .gpu/codec .gpu/audio.tar "$OUT/small" --seconds "$T" \
      --batch "${BATCH:-32}" --lr "${LR:-1e-4}" > "$OUT/small.log" 2>&1 &
    python3 scripts/gpu_codec.py train .gpu/codec .gpu/audio.tar "$OUT/wide" --seconds "$T" \
      --batch "${BATCH:-32}" --lr "${WIDE_LR:-2e-4}" --decoder-channels "${WIDE:-32}" \
      > "$OUT/wide.log" 2>&1 &
    wait
    tail -n 3 "$OUT/small.log" "$OUT/wide.log" ;;
  *) echo "unknown mode $mode (dit, codec or codec2)"; exit 2 ;;
esac
