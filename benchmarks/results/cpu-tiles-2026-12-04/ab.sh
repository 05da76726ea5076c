cd /work/main
for round in 1 2; do
 for size in 512 1024 2048; do
  for code in new old; do
   if [ $code = new ]; then P=src; else P=OLD_CHECKOUT/src; fi
   echo "== $code size $size round $round"
   OMP_NUM_THREADS=2 PYTHONPATH=$P .venv/bin/python benchmarks/cpu_tile.py --models /tmp/m_conf.safetensors,/tmp/m_wf.safetensors --modes student,sdap_e --size $size --tiles auto --repeats 1 2>&1 | grep -v Warn
  done
 done
done
