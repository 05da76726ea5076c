#!/usr/bin/env bash
# Quick start: set up .venv, train on a synthetic noisy image, denoise it, write demo_out/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh" "[examples]"
.venv/bin/python examples/quickstart.py "$@"
