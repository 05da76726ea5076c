# Inputs (synthetic uint16 TIFFs, one strip per plane as tifffile and ImageJ write them), then
# the CLI default with /usr/bin/time -v on each. Run from the repository root with the venv.
mkdir -p /tmp/m7
.venv/bin/python - <<'PY'
import numpy as np, tifffile
rng = np.random.default_rng(0)
def img(shape):
    yy, xx = np.mgrid[:shape[-2], :shape[-1]].astype(np.float32)
    clean = np.broadcast_to(200 + 800 * (0.5 + 0.5 * np.sin(xx / 17.0) * np.cos(yy / 23.0)), shape)
    return rng.poisson(clean / 4).astype(np.float32) * 4 + rng.normal(0, 10, shape).astype(np.float32)
for name, shape in [("s512", (512, 512)), ("s2048", (2048, 2048)), ("z16x1024", (16, 1024, 1024)),
                    ("s8192", (8192, 8192))]:
    tifffile.imwrite(f"/tmp/m7/{name}.tif", img(shape).astype(np.uint16))
PY
for f in s512 s2048 z16x1024 s8192; do
  ax=YX; [ $f = z16x1024 ] && ax=ZYX
  rm -rf /tmp/m7/out_$f; mkdir -p /tmp/m7/out_$f
  /usr/bin/time -v .venv/bin/napari-sdap denoise /tmp/m7/$f.tif --train --output /tmp/m7/out_$f \
      --device cpu --threads 2 --axes $ax > /tmp/m7/$f.log 2>&1
done
