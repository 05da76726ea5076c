O=$OUT/g2; mkdir -p $O
(nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv -l 5 > $O/use.csv 2>&1 &)
export PYTHONPATH=$PWD/src:/tmp/site
SDAP_DATA=.gpudata SDAP_STAGES="e2e-student" E2E_TILES=0,1024 E2E_READ=2,6 E2E_WRITE=4 timeout 120 bash benchmarks/gpu_check.sh $O/e2e > $O/e2e.out 2>&1
H="--data .gpudata --methods noisy,sdap --modes auto,teacher,auto-plain --device cuda --threads 3 --out $O --preset paper"
P=()
for t in "strong Confocal_MICE_1@10 strong2a" "strong WideField_BPAE_G_1@10 strong2b" "clip8 Confocal_MICE_1@10 clip2"; do set -- $t; timeout 190 python3 benchmarks/quality.py $H --sets $1 --only $2 --tag $3 > $O/$3.log 2>&1 & P+=($!); done
timeout 190 python3 benchmarks/quality.py $H --sets bsd68 --noises pg --only test001 --crop 256 --tag bsd2 > $O/bsd2.log 2>&1 & P+=($!)
wait "${P[@]}"
cd $OUT && tar czf g2.tgz g2 && rm -rf g2
