cd /work/main
for f in s512 s2048 z16x1024; do
  ax=YX; [ $f = z16x1024 ] && ax=ZYX
  rm -rf /tmp/m7/out_$f; mkdir -p /tmp/m7/out_$f
  /usr/bin/time -v .venv/bin/napari-sdap denoise /tmp/m7/$f.tif --train --output /tmp/m7/out_$f --device cpu --threads 2 --axes $ax > /tmp/m7/$f.log 2>&1
done
echo done > /tmp/m7/finished
