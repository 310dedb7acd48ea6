#!/usr/bin/env bash
# Checks that src/model/*_model.c match what tools/genmodel.py generates from
# the installed botocore; prints one "model: N passed, N failed" line.
cd "$(dirname "$0")/.." || exit 1
if python3 tools/genmodel.py --check src/model; then
  echo "model: 1 passed, 0 failed"
  exit 0
fi
echo "model: 0 passed, 1 failed"
exit 1
