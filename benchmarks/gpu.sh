#!/usr/bin/env bash
# Device checks on a CUDA machine, one short prepared run (about 5-10 minutes on one GPU):
#   1. benchmarks/cebra_fit.py --device cuda: CEBRA fits on buddy at the paper's settings
#      (on a GPU both fits use CEBRA's own search: pair_search falls back for CUDA tensors;
#      "identical" there also depends on cuDNN's determinism),
#   2. one SAE block of the paper's grid (TopK x8, the post-hoc selection's block) with
#      benchmarks/sae_trainer.py --device cuda,
#   3. the demo workflow (config/demo.yaml) with cebra.device and sae.device = cuda, in a
#      fresh working directory, checking that its CEBRA fits recorded device cuda.
# It writes the wall-clock seconds of each step to a file, and the output of each step to a
# .log file beside it:
#   bash benchmarks/gpu.sh                 # -> $OUT/gpu_times.txt
#   bash benchmarks/gpu.sh times.txt       # -> times.txt
# Environment: CEBRA_SAE_SHARED (test data with data/rat_hippocampus/buddy.jl), CORES (16),
# ITERATIONS (CEBRA steps per fit, 300). It stops with an error when torch sees no GPU.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ $# -ge 1 ]]; then
    times=$1
elif [[ -n ${OUT:-} ]]; then
    times=$OUT/gpu_times.txt
else
    echo "gpu.sh: give the times file as an argument or set OUT" >&2
    exit 2
fi
mkdir -p "$(dirname "$times")"
times=$(cd "$(dirname "$times")" && pwd)/$(basename "$times")
logs=${times%.*}
cores=${CORES:-16}
iterations=${ITERATIONS:-300}
cd "$repo"

python - <<'EOF'
import sys

import torch

if not torch.cuda.is_available():
    sys.exit(
        f"gpu.sh: FAILED: torch {torch.__version__} (CUDA build {torch.version.cuda}) sees no "
        "CUDA device. Run this script on a machine with an NVIDIA GPU and a CUDA build of torch."
    )
print(f"gpu.sh: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
EOF

{
    echo "# gpu.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
    echo "# step seconds"
} >"$times"

step() {  # step NAME COMMAND...: run it, log its output, append its seconds to $times
    local name=$1 start end
    shift
    echo "gpu.sh: $name: $*"
    start=$(date +%s.%N)
    "$@" 2>&1 | tee "$logs.$name.log"
    end=$(date +%s.%N)
    awk -v name="$name" -v a="$start" -v b="$end" 'BEGIN { printf "%s %.1f\n", name, b - a }' |
        tee -a "$times"
}

step cebra_fit python benchmarks/cebra_fit.py --device cuda --iterations "$iterations"
grep '^speedup' "$logs.cebra_fit.log" | sed 's/^/# cebra_fit: /' >>"$times"
grep 'ms/iteration' "$logs.cebra_fit.log" | sed 's/^# */# cebra_fit: /' >>"$times"

step sae_block python benchmarks/sae_trainer.py --device cuda --archs topk --expansions 8 \
    --skip-reference
grep -E 'topk x|^batched' "$logs.sae_block.log" | sed 's/^#* */# sae_block: /' >>"$times"

workdir=$(mktemp -d)
step demo snakemake --snakefile "$repo/Snakefile" --directory "$workdir" --cores "$cores" \
    --configfile "$repo/config/demo.yaml" --replace-workflow-config \
    --config "cebra={device: cuda}" "sae={device: cuda}"
if ! grep -rqs '"device": "cuda"' "$workdir/results"; then
    echo "gpu.sh: FAILED: the demo's CEBRA fits did not record device cuda ($workdir)" >&2
    exit 1
fi
echo "# demo: results in $workdir" >>"$times"
echo "gpu.sh: done; times in $times"
cat "$times"
