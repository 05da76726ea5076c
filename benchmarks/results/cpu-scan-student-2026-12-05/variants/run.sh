v=$1
cd /work/main
export SDAP_EXP=$v OMP_NUM_THREADS=1
.venv/bin/python benchmarks/scan_whitening.py --tasks held --decay 0.5 --whiten auto > /tmp/ls/held_$v.out 2>&1
.venv/bin/python benchmarks/quality.py --preset fast --threads 1 --device cpu --methods noisy,sdap --sets linescan --only Confocal_FISH,TwoPhoton_BPAE_G --modes auto,teacher --out /tmp/ls --tag cd_$v > /tmp/ls/cd_$v.out 2>&1
