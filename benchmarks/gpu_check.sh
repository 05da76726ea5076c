#!/usr/bin/env bash
# Self-contained GPU check of napari-sdap: `pytest -m gpu`, inference throughput, execution
# variants (eager / torch.compile) and, when benchmark data is given, PSNR against training time.
#
#   bash benchmarks/gpu_check.sh OUTDIR            # SDAP_DATA=DIR adds the time-to-quality run
#
# Run from a checkout on a machine with CUDA torch. Nothing is downloaded: the device image has
# torch (CUDA), numpy, tifffile, scikit-image; the other dependencies (pydantic, zarr, dask,
# numcodecs, ...) are expected as wheels in `.whl/` at the repository root and are installed with
# `pip install --no-index --no-deps --target /tmp/site .whl/*.whl` when present.
# Every stage has its own time limit, so the script ends within 10 minutes (about 7 on an H200)
# and always writes OUTDIR/summary.json; each stage's log and JSON sit beside it. SDAP_DATA needs
# fmd/raw and fmd/gt with the Confocal_BPAE_B and WideField_BPAE_G frames (see docs/benchmarks.md).
# SDAP_DEVICE=cpu SDAP_QUICK=1 dry-runs the whole script without a GPU (tiny sizes).
set -u
OUT=${1:?usage: gpu_check.sh OUTDIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
SITE=/tmp/site
if compgen -G ".whl/*.whl" > /dev/null; then
    "$PY" -m pip install --quiet --no-index --no-deps --no-compile --upgrade --target "$SITE" \
        .whl/*.whl > "$OUT/pip.log" 2>&1 || echo "pip install of .whl/ failed (see pip.log)" >&2
fi
export PYTHONPATH="$PWD/src:$SITE${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
{
    date -u
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1
    "$PY" -c "import torch, sys; print(sys.version); print('torch', torch.__version__, \
'cuda', torch.version.cuda, torch.cuda.is_available())" 2>&1
    nproc
} > "$OUT/env.txt"
cat "$OUT/env.txt"
DEVICE=${SDAP_DEVICE:-cuda}
if [ -n "${SDAP_QUICK:-}" ]; then
    TP=(--presets tiny --e2e-presets tiny --size 64 --batch 1 --e2e-size 256 --rss-size 128
        --tile 64 --threads 1 --min-seconds 0.2)
    CS=(--preset tiny --size 64 --batch 1 --min-seconds 0.2 --variants eager,eager-bf16w)
    TQ=(--configs "tiny:steps=20" --budget 4 --every 2 --crop 128)
else
    TP=(--presets paper,fast,tiny --e2e-presets paper --size 1024 --batch 4 --e2e-size 8192
        --rss-size 2048 --min-seconds 2 --e2e-compile)
    CS=(--preset paper --size 1024 --batch 4 --min-seconds 2)
    TQ=(--configs "paper:steps=2000;fast:steps=250;tiny:steps=300" --budget 70 --every 10)
fi

stage() {  # stage NAME LIMIT_S COMMAND...: run with a time limit, log to OUT/NAME.log, keep rc
    local name=$1 limit=$2
    shift 2
    local t0=$SECONDS
    timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
    local rc=$?
    echo "$name rc=$rc in $((SECONDS - t0)) s" | tee -a "$OUT/stages.txt"
    tail -n 3 "$OUT/$name.log"
}

stage pytest-gpu 60 "$PY" -m pytest -m gpu tests/infer/test_gpu.py -q -rs -p no:cacheprovider
stage throughput 180 "$PY" benchmarks/throughput.py --device "$DEVICE" "${TP[@]}" \
    --json "$OUT/throughput.json"
stage compile 120 "$PY" benchmarks/compile_speed.py --device "$DEVICE" "${CS[@]}" \
    --json "$OUT/compile.json"
if [ -n "${SDAP_DATA:-}" ] && [ -d "${SDAP_DATA}" ]; then
    for task in Confocal_BPAE_B WideField_BPAE_G; do
        stage "ttq-$task" 110 "$PY" benchmarks/time_to_quality.py --data "$SDAP_DATA" \
            --task "fmd:$task" --mosaic --device "$DEVICE" "${TQ[@]}" --out "$OUT" \
            --tag "ttq-$task"
    done
fi

"$PY" - "$OUT" <<'PYEOF' > "$OUT/summary.json"
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
summary = {"stages": (out / "stages.txt").read_text().split("\n")[:-1]}
log = (out / "pytest-gpu.log").read_text().strip().splitlines()
summary["pytest"] = log[-1] if log else ""
for name in ("throughput", "compile", "ttq-Confocal_BPAE_B", "ttq-WideField_BPAE_G"):
    try:
        summary[name] = json.loads((out / f"{name}.json").read_text())
    except (OSError, ValueError) as err:
        summary[name] = f"missing: {err}"
print(json.dumps(summary, indent=1))
PYEOF
grep -q "pytest-gpu rc=[05] " "$OUT/stages.txt" && grep -q "throughput rc=0 " "$OUT/stages.txt"
