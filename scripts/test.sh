#!/usr/bin/env bash
# Full test run: .venv with test extras, headless-Qt system packages, import contracts, pytest.
# Used by CI (.ci/run) as root on a clean clone; pytest's exit code is this script's exit code.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

QT_APT_PACKAGES="xvfb libgl1 libgl1-mesa-dri libegl1 libxkbcommon-x11-0 libxcb-cursor0 \
libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 \
libxcb-xinerama0 libxcb-xkb1 libfontconfig1 libdbus-1-3"

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in $QT_APT_PACKAGES; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" \
            || missing="$missing $pkg"
    done
fi
if [ -n "$missing" ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo ">> installing headless Qt packages:$missing"
        export DEBIAN_FRONTEND=noninteractive
        # shellcheck disable=SC2086
        if ! { apt-get update && apt-get install -y $QT_APT_PACKAGES; }; then
            echo "warning: apt-get could not install:$missing; Qt tests may fail" >&2
        fi
    else
        echo "warning: missing system packages for headless Qt:$missing" >&2
        echo "         install them with: sudo apt-get install -y $QT_APT_PACKAGES" >&2
    fi
fi

source scripts/_venv.sh "[napari,test,gui-test,distributed,ome,examples,bmz]"

echo ">> import contracts"
.venv/bin/lint-imports

echo ">> pytest"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
if command -v xvfb-run >/dev/null 2>&1; then
    exec xvfb-run -a .venv/bin/python -m pytest "$@"
else
    echo "warning: xvfb-run not found; running Qt tests with QT_QPA_PLATFORM=$QT_QPA_PLATFORM" >&2
    exec .venv/bin/python -m pytest "$@"
fi
