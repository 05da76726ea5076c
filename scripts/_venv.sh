# Shared by demo.sh and test.sh: create or reuse .venv with a CPU-sized torch.
# Usage: source scripts/_venv.sh "EXTRAS"   (EXTRAS e.g. "" or "[napari,test]")
set -euo pipefail

TORCH_VERSION="2.13.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ ! -x .venv/bin/python ]; then
    PY="${PYTHON:-}"
    if [ -z "$PY" ]; then
        for candidate in python3.13 python3.12 python3.11 python3; do
            if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c \
                'import sys; raise SystemExit(sys.version_info < (3, 11))' 2>/dev/null; then
                PY="$candidate"
                break
            fi
        done
    fi
    if [ -z "$PY" ]; then
        echo "error: napari-sdap needs Python >= 3.11; install it or set PYTHON=/path/to/python" >&2
        exit 2
    fi
    echo ">> creating .venv with $PY"
    "$PY" -m venv .venv || {
        echo "error: '$PY -m venv' failed; on Debian/Ubuntu install the python3-venv package" >&2
        exit 2
    }
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1
PYBIN="$ROOT/.venv/bin/python"

# An unpinned `torch` pulls a multi-GB CUDA build: install the pinned version first, unless a
# working torch is already importable. Set SDAP_TORCH_INDEX_URL to take it from another index,
# e.g. https://download.pytorch.org/whl/cpu for the small CPU-only build.
if ! "$PYBIN" -c "import torch" >/dev/null 2>&1; then
    echo ">> installing torch==$TORCH_VERSION"
    if [ -n "${SDAP_TORCH_INDEX_URL:-}" ]; then
        "$PYBIN" -m pip install --quiet "torch==$TORCH_VERSION" --index-url "$SDAP_TORCH_INDEX_URL"
    else
        "$PYBIN" -m pip install --quiet "torch==$TORCH_VERSION"
    fi
fi

echo ">> installing napari-sdap${1:-} (editable)"
"$PYBIN" -m pip install --quiet -e ".${1:-}"
