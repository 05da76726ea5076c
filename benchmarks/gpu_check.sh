#!/usr/bin/env bash
# Self-contained GPU check of napari-sdap's streamed inference: `pytest -m gpu` + throughput.
#
#   bash benchmarks/gpu_check.sh OUTDIR
#
# Run from a checkout on a machine with CUDA torch. Nothing is downloaded: the device image has
# torch (CUDA) and tifffile; the other dependencies (numpy, pydantic, safetensors, zarr, dask,
# numcodecs, pytest, ...) are expected as wheels in `.whl/` at the repository root and are
# installed with `pip install --no-index --no-deps --target /tmp/site .whl/*.whl` when present.
# Writes OUTDIR/{env.txt, pytest-gpu.log, pytest-gpu.xml, throughput.json, throughput.log,
# summary.json}. Budget: about 8 minutes (pytest <= 3 min, benchmark <= 5 min).
set -u
OUT=${1:?usage: gpu_check.sh OUTDIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
SITE=/tmp/site
if compgen -G ".whl/*.whl" > /dev/null; then
    "$PY" -m pip install --quiet --no-index --no-deps --target "$SITE" .whl/*.whl \
        > "$OUT/pip.log" 2>&1 || echo "pip install of .whl/ failed (see pip.log)" >&2
fi
export PYTHONPATH="$PWD/src:$SITE${PYTHONPATH:+:$PYTHONPATH}"
{
    date -u
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1
    "$PY" -c "import torch, sys; print(sys.version); print('torch', torch.__version__, \
'cuda', torch.version.cuda, torch.cuda.is_available())" 2>&1
} > "$OUT/env.txt"

timeout 180 "$PY" -m pytest -m gpu tests/infer/test_gpu.py -q -rs -p no:cacheprovider \
    --junitxml "$OUT/pytest-gpu.xml" > "$OUT/pytest-gpu.log" 2>&1
PYTEST_RC=$?

# SDAP_DEVICE=cpu SDAP_QUICK=1 dry-runs this script without a GPU (tiny sizes).
DEVICE=${SDAP_DEVICE:-cuda}
if [ -n "${SDAP_QUICK:-}" ]; then
    SIZES=(--presets tiny --e2e-presets tiny --size 64 --batch 1 --e2e-size 256 --rss-size 128
           --tile 64 --threads 1 --min-seconds 0.2)
else
    SIZES=(--presets paper,fast,tiny --e2e-presets paper --size 1024 --batch 4 --e2e-size 8192
           --rss-size 2048 --min-seconds 3)
fi
timeout 300 "$PY" benchmarks/throughput.py --device "$DEVICE" "${SIZES[@]}" \
    --json "$OUT/throughput.json" > "$OUT/throughput.log" 2>&1
BENCH_RC=$?

"$PY" - "$OUT" "$PYTEST_RC" "$BENCH_RC" <<'PYEOF' > "$OUT/summary.json"
import json, sys
from pathlib import Path
out, pytest_rc, bench_rc = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
summary = {"pytest_rc": pytest_rc, "benchmark_rc": bench_rc}
tail = (out / "pytest-gpu.log").read_text().strip().splitlines()
summary["pytest"] = tail[-1] if tail else ""
try:
    t = json.loads((out / "throughput.json").read_text())
    summary["device"] = t["machine"]
    summary["pass_mpix_s"] = {n["preset"]: n["pass_mpix_s"] for n in t["network"]}
    summary["end_to_end"] = t["end_to_end"]
    summary["rss_growth"] = t["rss"][0]["rss_growth"]
except Exception as err:  # benchmark failed or timed out
    summary["throughput_error"] = repr(err)
print(json.dumps(summary, indent=2))
PYEOF
cat "$OUT/summary.json"
exit $(( PYTEST_RC != 0 && PYTEST_RC != 5 || BENCH_RC != 0 ))
