cd /work/main
for v in orig inplace orig inplace orig inplace; do
  cp STUDENT_VARIANT_$v.py src/napari_sdap/model/student.py
  echo "== $v $(PYTHONPATH=src timeout 600 .venv/bin/python benchmarks/student_speed.py --size 512 --threads 2 --repeats 5 2>&1 | grep -v Warn | tr -d '\n' | sed 's/  */ /g' | grep -o '"mpix_per_s": {[^}]*}')"
done
cp /tmp/student.orig.py src/napari_sdap/model/student.py
