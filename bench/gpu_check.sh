#!/usr/bin/env bash
# The GPU half of the benchmarks, in one go on a machine with a CUDA GPU (no display or Qt needed):
#   bench/gpu_check.sh                  from anywhere; prints every figure to record in bench/README.md
# 1. training loop: engine and exported script against a hand-written loop, ResNet-18 224x224 batch 256,
#    bf16 autocast and channels-last (then the same with torch.compile);
# 2. data pipeline: a generated 10,000-image folder streamed at 224x224 into ResNet-18 on CUDA,
#    against a hand-written PIL Dataset + DataLoader with the same workers, and its peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python - <<'PY'
import torch
assert torch.cuda.is_available(), "no CUDA GPU visible to PyTorch"
print("GPU:", torch.cuda.get_device_name(0), "| torch", torch.__version__, "| CUDA", torch.version.cuda)
PY
echo "CPU cores: $(nproc)"
echo "== training loop (bf16, channels-last)"
python bench/bench_training_loop.py --gpu --steps 30
echo "== training loop, torch.compile"
python bench/bench_training_loop.py --gpu --compile --steps 30
echo "== data pipeline, 10,000 images at 224x224"
python bench/bench_data.py --gpu --images 10000 --batches 40 --steps 20
