#!/usr/bin/env bash
# Self-contained GPU check of napari-sdap: `pytest -m gpu`, inference throughput, execution
# variants (eager / torch.compile) and, when benchmark data is given, PSNR against training time.
#
#   bash benchmarks/gpu_check.sh OUTDIR            # SDAP_DATA=DIR adds the quality runs
#   SDAP_STAGES="pytest throughput quality" bash benchmarks/gpu_check.sh OUTDIR   # some stages
#
# Run from a checkout on a machine with CUDA torch. Nothing is downloaded: the device image has
# torch (CUDA), numpy, tifffile, scikit-image; the other dependencies (pydantic, zarr, dask,
# numcodecs, tensorstore, ml_dtypes, ...) are expected as wheels in `.whl/` at the repository
# root and are installed with `pip install --no-index --no-deps --target /tmp/site .whl/*.whl`
# when present.
# Every stage has its own time limit, so the script ends within 10 minutes (about 7 on an H200)
# and always writes OUTDIR/summary.json; each stage's log and JSON sit beside it. Stages: pytest,
# throughput, compile, ttq (time to quality: SDAP_DATA with fmd/raw and fmd/gt of
# Confocal_BPAE_B and WideField_BPAE_G) and quality (`paper` preset with and without the detail
# restore: SDAP_DATA with set12/ and the first 3 polyu/ pairs), student (its speed against the
# teacher's modes), volume (3-D and 2-D models on a 16 x 1024 x 1024 stack, voxels per second
# per mode) and, only when asked: studentq (student vs teacher on 2 FMD types), e2e-student
# (the `paper` student's zarr -> zarr rate, with 2 or 6 read and 1 or 4 write threads, against
# its compute-only and I/O-only rates) and fmd (the GPU default, `paper` with its student, on
# the FMD types: SDAP_DATA with fmd/raw and fmd/gt; one process per name in FMD_TYPES, default
# "Confocal TwoPhoton WideField", sharing the GPU, so training times are those of a shared GPU;
# nvidia-smi's utilisation is logged beside them) and recipes (student_recipes.py on all 12 FMD
# types: `paper` teachers of 1000 steps in six processes of two types (RBIG_GROUPS) and `fast`
# teachers of 1000 and 250 steps in three more (RSMALL_RUNS), each distilling the `fast`
# student with one pass and with 8 flips/rotations of its targets; RECIPE_LIMIT seconds each);
# zarrio (only when asked: zarr_read.py, reading and writing on this machine's disk, writes with
# and without an fsync per chunk); E2E_TMP (e.g. /dev/shm), E2E_TILES, E2E_READ, E2E_WRITE and E2E_IO (tensorstore,zarr) narrow
# e2e-student; held (only when asked: the GPU default, `paper`, with its student, on one FMD
# type, strong-noise and clipped proxies, BSD68, PolyU and Set12 correlated noise, seven
# processes sharing the GPU, HELD_LIMIT seconds each; HELD_PYTEST=1 runs pytest-gpu beside
# them, after e2e-student; HELD_ARGS adds quality.py options, e.g. "--steps 250"); see
# docs/benchmarks.md. SDAP_TAR=1 leaves one archive OUTDIR.tgz in place of OUTDIR.
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
    SPRESET=${SPRESET:-tiny}
    SSIZE=${SSIZE:-128}
    VSIZE=${VSIZE:-64}
    TP=(--presets tiny --e2e-presets tiny --size 64 --batch 1 --e2e-size 256 --rss-size 128
        --tile 64 --threads 1 --min-seconds 0.2)
    CS=(--preset tiny --size 64 --batch 1 --min-seconds 0.2 --variants eager,eager-bf16w)
    TQ=(--configs "tiny:steps=20" --budget 4 --every 2 --crop 128)
    QPRESET=${QPRESET:-tiny} QSTEPS=${QSTEPS:-5}
    ES=(--e2e-presets tiny --e2e-size 256 --e2e-tiles "${E2E_TILES:-0,64}" --threads 1
        --min-seconds 0.2)
    FQ=(--preset tiny --steps 20 --crop 128 --set student_steps=40)
    RBIG=tiny RBIG_STEPS=20 RSMALL=tiny RSMALL_RUNS="20:Confocal_BPAE,WideField_BPAE_G 10:"
    RQ=(--crop 96 --recipe "fast:student_steps=20" --recipe "fastf8:student_steps=20,target_flips=8")
    HQ=(--preset tiny --steps 20 --crop 96 --set student_steps=20)
    ZSIZE=${ZSIZE:-1024} ZTILES=${ZTILES:-256,512}
else
    TP=(--presets paper,fast,tiny --e2e-presets paper --size 1024 --batch 4 --e2e-size 8192
        --rss-size 2048 --min-seconds 2 --e2e-compile)
    CS=(--preset paper --size 1024 --batch 4 --min-seconds 2)
    TQ=(--configs "paper:steps=2000;fast:steps=250;tiny:steps=300" --budget 70 --every 10)
    ES=(--e2e-presets paper --e2e-size 8192 --e2e-tiles "${E2E_TILES:-0,1024}" --min-seconds 1)
    FQ=(--preset paper)
    RBIG=paper RBIG_STEPS=1000 RSMALL=fast  # six processes of two types, three of the fast preset
    RSMALL_RUNS="1000:Confocal,TwoPhoton_BPAE_B 1000:TwoPhoton_BPAE_G,TwoPhoton_BPAE_R,TwoPhoton_MICE,WideField 250:"
    RQ=(--recipe fast --recipe "fastf8:target_flips=8")
    HQ=(--preset paper)
fi

RBIG_GROUPS=${RBIG_GROUPS:-"TwoPhoton_BPAE_R,Confocal_BPAE_B TwoPhoton_MICE,Confocal_BPAE_R \
TwoPhoton_BPAE_B,Confocal_FISH Confocal_BPAE_G,Confocal_MICE TwoPhoton_BPAE_G,WideField_BPAE_B \
WideField_BPAE_G,WideField_BPAE_R"}
STAGES=" ${SDAP_STAGES:-pytest throughput student volume compile ttq quality} "
want() { [[ "$STAGES" == *" $1 "* ]]; }
DATA_OK=""
if [ -n "${SDAP_DATA:-}" ] && [ -d "${SDAP_DATA}" ]; then DATA_OK=1; fi

stage() {  # stage NAME LIMIT_S COMMAND...: run with a time limit, log to OUT/NAME.log, keep rc
    local name=$1 limit=$2
    shift 2
    local t0=$SECONDS
    timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
    local rc=$?
    echo "$name rc=$rc in $((SECONDS - t0)) s" | tee -a "$OUT/stages.txt"
    tail -n 3 "$OUT/$name.log"
}

[ -z "${HELD_PYTEST:-}" ] && want pytest && stage pytest-gpu 90 "$PY" -m pytest -m gpu \
    tests/infer/test_gpu.py -q -rs -p no:cacheprovider
want throughput && stage throughput 180 "$PY" benchmarks/throughput.py --device "$DEVICE" \
    "${TP[@]}" --json "$OUT/throughput.json"
want student && stage student 90 "$PY" benchmarks/student_speed.py --device "$DEVICE" \
    --preset "${SPRESET:-paper}" --size "${SSIZE:-2048}" --repeats 3 --json "$OUT/student.json"
want volume && stage volume 150 "$PY" benchmarks/student_speed.py --device "$DEVICE" \
    --preset "${SPRESET:-paper}" --size "${VSIZE:-1024}" --planes 16 --dims 3 --repeats 3 \
    --json "$OUT/volume3d.json"
want volume && stage volume2d 150 "$PY" benchmarks/student_speed.py --device "$DEVICE" \
    --preset "${SPRESET:-paper}" --size "${VSIZE:-1024}" --planes 16 --dims 2 --repeats 3 \
    --json "$OUT/volume2d.json"
want compile && stage compile 120 "$PY" benchmarks/compile_speed.py --device "$DEVICE" \
    "${CS[@]}" --json "$OUT/compile.json"
want zarrio && TMPDIR=${E2E_TMP:-${TMPDIR:-/tmp}} stage zarrio 120 "$PY" benchmarks/zarr_read.py \
    --size "${ZSIZE:-8192}" --write-tiles "${ZTILES:-1024,4096}"  # its JSON line: zarrio.log
want e2e-student && TMPDIR=${E2E_TMP:-${TMPDIR:-/tmp}} stage e2e-student "${E2E_LIMIT:-150}" \
    "$PY" benchmarks/throughput.py --device "$DEVICE" --presets "" "${ES[@]}" \
    --read-workers "${E2E_READ:-2,6}" --write-workers "${E2E_WRITE:-1,4}" --mode student \
    --rss-size 0 --zarr-io "${E2E_IO:-tensorstore,zarr}" --json "$OUT/e2e-student.json"
if [ -n "$DATA_OK" ] && want held; then  # the GPU default on sets it was not tuned on, in parallel
    H=(--data "$SDAP_DATA" --methods noisy,sdap --modes auto,teacher,auto-plain --device "$DEVICE"
       --threads 2 --out "$OUT" "${HQ[@]}" ${HELD_ARGS:-})
    PIDS=()
    held() {  # held NAME QUALITY-OPTIONS...: one background process
        local name=$1
        shift
        stage "held-$name" "${HELD_LIMIT:-400}" "$PY" benchmarks/quality.py "${H[@]}" "$@" \
            --tag "held-$name" &
        PIDS+=($!)
    }
    held fmd-mice --sets fmd --only Confocal_MICE --methods noisy,gauss-gt,sdap
    held strong-a --sets strong --only "Confocal_BPAE_B_1@5,Confocal_MICE_1@10"
    held strong-b --sets strong --only "TwoPhoton_MICE_1@5,WideField_BPAE_G_1@10"
    held clip8 --sets clip8 --only "WideField_BPAE_B_1@8,Confocal_MICE_1@10"
    held bsd68 --sets bsd68 --noises white,pg --only test001 --crop 256
    held polyu --sets polyu --limit 1
    held set12corr --sets set12 --noises corr --only 05 --crop 256
    [ -n "${HELD_PYTEST:-}" ] && want pytest && stage pytest-gpu 90 "$PY" -m pytest -m gpu \
        tests/infer/test_gpu.py -q -rs -p no:cacheprovider
    wait "${PIDS[@]}"
fi
if [ -n "$DATA_OK" ] && want fmd; then  # the GPU default on FMD, one process per FMD_TYPES name
    nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv -l 5 \
        > "$OUT/fmd-gpu-use.csv" 2>&1 &
    SMI=$!
    PIDS=()
    for kind in ${FMD_TYPES:-Confocal TwoPhoton WideField}; do
        stage "quality-fmd-$kind" "${FMD_LIMIT:-330}" "$PY" benchmarks/quality.py \
            --data "$SDAP_DATA" --sets fmd --only "$kind" --methods noisy,gauss-gt,sdap \
            --modes auto,teacher --device "$DEVICE" --threads 4 --out "$OUT" "${FQ[@]}" \
            --tag "quality-fmd-$kind" &
        PIDS+=($!)
    done
    wait "${PIDS[@]}"
    kill "$SMI" 2> /dev/null
fi
if [ -n "$DATA_OK" ] && want recipes; then  # student recipes from one teacher (FMD)
    R=(benchmarks/student_recipes.py --data "$SDAP_DATA" --sets fmd --device "$DEVICE" --out "$OUT"
       "${RQ[@]}")
    nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv -l 5 \
        > "$OUT/recipes-gpu-use.csv" 2>&1 &
    SMI=$!
    PIDS=()
    k=0
    for group in $RBIG_GROUPS; do
        k=$((k + 1))
        stage "recipes-big-$k" "${RECIPE_LIMIT:-450}" "$PY" "${R[@]}" --only "$group" \
            --threads 2 --preset "$RBIG" --steps "$RBIG_STEPS" --tag "recipes-big-$k" &
        PIDS+=($!)
    done
    for run in $RSMALL_RUNS; do  # STEPS:TYPES (TYPES empty: all twelve)
        k=$((k + 1))
        steps=${run%%:*} group=${run#*:}
        stage "recipes-small-$k" "${RECIPE_LIMIT:-450}" "$PY" "${R[@]}" --threads 2 \
            ${group:+--only "$group"} --preset "$RSMALL" --steps "$steps" \
            --tag "recipes-small-$k" &
        PIDS+=($!)
    done
    wait "${PIDS[@]}"
    kill "$SMI" 2> /dev/null
fi
if [ -n "$DATA_OK" ] && want ttq; then
    for task in Confocal_BPAE_B WideField_BPAE_G; do
        stage "ttq-$task" 110 "$PY" benchmarks/time_to_quality.py --data "$SDAP_DATA" \
            --task "fmd:$task" --mosaic --device "$DEVICE" "${TQ[@]}" --out "$OUT" \
            --tag "ttq-$task"
    done
fi
if [ -n "$DATA_OK" ] && want quality; then
    Q=(--data "$SDAP_DATA" --methods noisy,sdap --modes auto,auto-plain --device "$DEVICE"
       --out "$OUT" --preset "${QPRESET:-paper}" --steps "${QSTEPS:-1000}")
    stage quality-set12corr 170 "$PY" benchmarks/quality.py "${Q[@]}" --sets set12 \
        --noises corr --only 01,05,08 --crop 256 --tag quality-set12corr
    stage quality-polyu 170 "$PY" benchmarks/quality.py "${Q[@]}" --sets polyu --limit 3 \
        --tag quality-polyu
fi
if [ -n "$DATA_OK" ] && want studentq; then  # not in the default list: student vs teacher, FMD
    stage quality-fmd-student 240 "$PY" benchmarks/quality.py --data "$SDAP_DATA" \
        --methods noisy,sdap --modes auto,teacher --device "$DEVICE" --out "$OUT" \
        --preset "${QPRESET:-paper}" --sets fmd --only Confocal_BPAE_B,TwoPhoton_MICE \
        --tag quality-fmd-student
fi

"$PY" - "$OUT" <<'PYEOF' > "$OUT/summary.json"
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
summary = {"stages": (out / "stages.txt").read_text().split("\n")[:-1]}
log_file = out / "pytest-gpu.log"
log = log_file.read_text().strip().splitlines() if log_file.exists() else []
summary["pytest"] = log[-1] if log else ""
names = ["throughput", "student", "volume3d", "volume2d", "compile", "ttq-Confocal_BPAE_B",
         "ttq-WideField_BPAE_G", "quality-set12corr", "quality-polyu", "quality-fmd-student",
         "e2e-student"]
for name in names + sorted(p.stem for p in [*out.glob("quality-fmd-*.json"),
                                            *out.glob("held-*.json")]
                           if p.stem != "quality-fmd-student"):
    try:
        summary[name] = json.loads((out / f"{name}.json").read_text())
    except (OSError, ValueError) as err:
        summary[name] = f"missing: {err}"
print(json.dumps(summary, indent=1))
PYEOF
! grep -v " rc=0 " "$OUT/stages.txt" | grep -v "pytest-gpu rc=5 " | grep -q .
rc=$?
if [ -n "${SDAP_TAR:-}" ]; then  # one archive OUTDIR.tgz instead of the folder's many files
    tar czf "$OUT.tgz" -C "$(dirname "$OUT")" "$(basename "$OUT")" && rm -rf "$OUT"
fi
exit $rc
