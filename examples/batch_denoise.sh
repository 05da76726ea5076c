#!/usr/bin/env bash
# Batch denoising from the shell: train once, denoise a folder, resume, inspect the model.
# Runs on generated data in a temporary folder (under a minute on a laptop CPU: six commands,
# each starting Python and torch):
#     bash examples/batch_denoise.sh
# Set PYTHON to the interpreter of the environment napari-sdap is installed in.
set -euo pipefail
PYTHON=${PYTHON:-python}
SDAP="$PYTHON -m napari_sdap.cli"          # same as the `napari-sdap` console script
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# 1. four small noisy ZYX stacks (in real life: your microscope's TIFFs)
"$PYTHON" - "$WORK/raw" <<'PY'
import sys, pathlib, numpy as np, tifffile
out = pathlib.Path(sys.argv[1]); out.mkdir()
rng = np.random.default_rng(0)
yy, xx = np.mgrid[0:64, 0:64]
for i in range(4):
    clean = np.zeros((3, 64, 64))
    for z in range(3):                      # a few bright "cells" on a dark background
        for cy, cx in rng.uniform(8, 56, (5, 2)):
            clean[z] += 200 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 30)
    noisy = rng.poisson(clean + 20).astype(np.float32)
    tifffile.imwrite(out / f"cells_{i}.tif", noisy, imagej=True,
                     resolution=(1 / 0.2, 1 / 0.2), metadata={"axes": "ZYX", "unit": "um"})
PY

# 2. train a (tiny, for the demo) model on two of them; the noise estimate is printed first
$SDAP train "$WORK/raw/cells_0.tif" "$WORK/raw/cells_1.tif" --model "$WORK/cells.safetensors" \
    --preset tiny --steps 20 --device cpu
$SDAP info "$WORK/cells.safetensors"

# 3. denoise the whole folder; outputs appear as raw/../denoised/<name>_sdap.tif
$SDAP denoise "$WORK/raw" --model "$WORK/cells.safetensors" --output "$WORK/denoised" --device cpu

# 4. running the same command again resumes: everything is already done, nothing is redone
$SDAP denoise "$WORK/raw" --model "$WORK/cells.safetensors" --output "$WORK/denoised" --device cpu

# 5. a corrupted file is reported on one line, the rest of the batch goes on, exit code 1
head -c 500 "$WORK/raw/cells_0.tif" > "$WORK/raw/cells_9_truncated.tif"
status=0
$SDAP denoise "$WORK/raw" --model "$WORK/cells.safetensors" --output "$WORK/denoised" \
    --device cpu || status=$?
echo "exit code with one corrupted file: $status"

# 6. one-shot self-supervised: train on the inputs themselves, then denoise them
rm "$WORK/raw/cells_9_truncated.tif"
$SDAP denoise "$WORK/raw" --train --output "$WORK/oneshot" --preset tiny --steps 20 --device cpu
ls "$WORK/denoised" "$WORK/oneshot"
