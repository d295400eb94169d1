"""``i23d generate IMAGE --output PATH``: image to model files on this machine, no server.

``--output model.glb`` writes that one file (format from the extension); ``--output DIR``
writes every format (or those in ``--formats``) into DIR under their standard names.
``--spins-dir DIR`` also writes the candidate spins' turntables and stills.
``--reconstructor NAME`` picks the backend (``i23d reconstructors`` lists them; default
``classical``, or ``I23D_RECONSTRUCTOR``); ``--spin`` takes an index into its spins.
``--animate walk,run,jump`` (directory output) also rigs the model and writes each clip as
``animated_CLIP.glb`` and ``animated_CLIP.fbx``; ``--rig`` forces biped or quadruped.
It prints which spin it built and why (the chooser's one-line reason).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from i23d.config import Settings
from i23d.engine.animate import (
    CLIP_NAMES,
    DEFAULT_RIG,
    RIG_CHOICES,
    AnimationUnavailable,
    animate,
    animation_missing,
    check_character,
    check_request,
)
from i23d.engine.errors import EngineError, InvalidOption
from i23d.engine.export import FORMATS, available_formats, format_of_suffix, missing_formats
from i23d.engine.export.fbx import BlenderUnavailable
from i23d.engine.options import (
    DIFFUSION_STEPS_RANGE,
    MODEL_RESOLUTIONS,
    PIXEL_ALIGNMENTS,
    PREVIEW_MESHES,
    EngineOptions,
)
from i23d.engine.postprocess import (
    FACE_BUDGETS,
    RESOLUTIONS,
    TEXTURE_RESOLUTIONS,
    TOPOLOGIES,
    PostOptions,
    postprocess,
)
from i23d.engine.reconstructors.registry import ReconstructorError
from i23d.engine.segment import CUTOUT_METHODS
from i23d.runtime.engine import build_engine

POST_DEFAULTS = PostOptions()
ALL_FORMATS: tuple[str, ...] = tuple(sorted(FORMATS, key=lambda name: FORMATS[name].kind != "mesh"))
"""Every registered format, mesh formats first (those this machine cannot write included)."""

FLAGS: dict[str, str] = {
    "preview_mesh": "--preview-mesh",
    "model_resolution": "--model-resolution",
    "pixel_alignment": "--pixel-alignment",
    "diffusion_time_steps": "--diffusion-time-steps",
    "fov_deg": "--fov",
    "selected_spin_index": "--spin",
    "reconstructor": "--reconstructor",
    "resolution": "--resolution",
    "topology": "--topology",
    "texture_resolution": "--texture-resolution",
    "scaled_bbox": "--scaled-bbox",
    "pivot_point": "--pivot",
    "image": "IMAGE",
    "output": "--output",
    "formats": "--formats",
    "animations": "--animate",
    "rig": "--rig",
}
"""The command-line flag of each option an engine error may name."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``generate`` sub-command's arguments; its help shows this module's text."""
    parser.description = __doc__
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("image", type=Path, help="PNG (alpha = the object), JPEG or WebP photo")
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        required=True,
        help="a file (mesh.glb, model.fbx, ...: format from the extension) "
        "or a directory (every format)",
    )
    parser.add_argument(
        "--formats",
        type=_format_list,
        default=None,
        help=f"comma-separated formats for a directory output, from: "
        f"{','.join(ALL_FORMATS)} (default: all this machine can write)",
    )
    parser.add_argument(
        "--spin",
        type=_spin,
        default="auto",
        help="which spin to build: auto (the chooser's pick) or its index "
        "(0-3 for the classical reconstructor)",
    )
    parser.add_argument(
        "--spins-dir",
        type=Path,
        default=None,
        help="also write the spins' turntable MP4s and stills here",
    )
    engine = parser.add_argument_group("engine")
    engine.add_argument(
        "--reconstructor",
        default=None,
        metavar="NAME",
        help="the reconstruction backend (default: classical, or I23D_RECONSTRUCTOR); "
        "`i23d reconstructors` lists them",
    )
    engine.add_argument(
        "--cutout",
        choices=CUTOUT_METHODS,
        default=None,
        help="how a photo without alpha is cut out: guided (GrabCut from the border's colours, "
        "less what IS-Net is sure is background; the default, or I23D_CUTOUT), classical (the "
        "colours alone) or learned (IS-Net leads)",
    )
    defaults = EngineOptions()
    engine.add_argument("--preview-mesh", choices=PREVIEW_MESHES, default=defaults.preview_mesh)
    engine.add_argument(
        "--model-resolution", choices=MODEL_RESOLUTIONS, default=defaults.model_resolution
    )
    engine.add_argument(
        "--pixel-alignment", choices=PIXEL_ALIGNMENTS, default=defaults.pixel_alignment
    )
    low, high = DIFFUSION_STEPS_RANGE
    engine.add_argument(
        "--diffusion-time-steps",
        type=int,
        default=defaults.diffusion_time_steps,
        metavar="N",
        help=f"{low}-{high} (default {defaults.diffusion_time_steps})",
    )
    outputs = parser.add_argument_group("outputs")
    outputs.add_argument(
        "--resolution",
        choices=RESOLUTIONS,
        default=None,
        help=f"face budget: low_poly <= {FACE_BUDGETS['low_poly']:,}, "
        f"high_poly <= {FACE_BUDGETS['high_poly']:,} triangles",
    )
    outputs.add_argument(
        "--topology",
        choices=TOPOLOGIES,
        default=POST_DEFAULTS.topology,
        help="tris, or pure quads (kept in OBJ and FBX)",
    )
    outputs.add_argument(
        "--texture-resolution",
        type=int,
        default=None,
        metavar="N",
        help=f"texture size, one of {', '.join(map(str, TEXTURE_RESOLUTIONS))}",
    )
    outputs.add_argument(
        "--scaled-bbox",
        type=float,
        nargs=3,
        default=None,
        metavar=("W", "H", "D"),
        help="bounding box size in metres (x, y, z)",
    )
    outputs.add_argument(
        "--pivot",
        type=float,
        nargs=3,
        default=POST_DEFAULTS.pivot_point,
        metavar=("X", "Y", "Z"),
        help="origin in bounding-box units, each -0.5..0.5 (0 -0.5 0 = bottom centre)",
    )
    animation = parser.add_argument_group("animation")
    animation.add_argument(
        "--animate",
        type=_clip_list,
        default=None,
        metavar="CLIPS",
        help=f"comma-separated clips from {','.join(CLIP_NAMES)}: rig the model and write "
        f"animated_CLIP.glb and .fbx (directory output only)",
    )
    animation.add_argument(
        "--rig",
        choices=RIG_CHOICES,
        default=DEFAULT_RIG,
        help="the skeleton: auto (detected from the silhouette), biped or quadruped",
    )
    parser.set_defaults(run=run)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Build, post-process and export; 0 on success, 1 with a one-line reason on bad input."""
    try:
        formats, directory = _targets(args.output, args.formats)
        if args.animate and directory is None:
            raise InvalidOption(
                f"--animate writes one file per clip, so --output must be a "
                f"directory; got {args.output.name}",
                field="animations",
            )
        if args.animate and (missing := animation_missing()) is not None:
            raise AnimationUnavailable(missing, field="animations")
        options = EngineOptions(
            preview_mesh=args.preview_mesh,
            model_resolution=args.model_resolution,
            pixel_alignment=args.pixel_alignment,
            diffusion_time_steps=args.diffusion_time_steps,
        )
        post_options = PostOptions(
            resolution=args.resolution,
            topology=args.topology,
            texture_resolution=args.texture_resolution,
            scaled_bbox=tuple(args.scaled_bbox) if args.scaled_bbox else None,
            pivot_point=tuple(args.pivot),
        )
        _check_available(formats, "formats" if directory is not None else "output")
        image = _read_image(args.image)
        with _progress_bar() as bar:
            written = _generate(image, args, options, post_options, formats, directory, bar)
    except EngineError as error:
        flag = FLAGS.get(error.field, error.field)
        print(f"i23d generate: {flag}: {error.message}", file=sys.stderr)
        return 1
    except (BlenderUnavailable, OSError, ReconstructorError) as error:
        print(f"i23d generate: {error}", file=sys.stderr)
        return 1
    _print_summary(written)
    return 0


def _generate(
    image: bytes,
    args: argparse.Namespace,
    options: EngineOptions,
    post_options: PostOptions,
    formats: list[str],
    directory: Path | None,
    bar: tqdm,
) -> list[Path]:
    """The work itself, reporting progress to ``bar``; returns the files written."""
    settings = Settings()
    for name in ("cutout", "reconstructor"):
        if getattr(args, name):
            settings = settings.model_copy(update={name: getattr(args, name)})
    engine = build_engine(settings)
    if isinstance(args.spin, int) and args.spin >= engine.spin_count:
        raise InvalidOption(
            f"must be auto or 0-{engine.spin_count - 1} for the {settings.reconstructor} "
            f"reconstructor, got {args.spin}",
            field="selected_spin_index",
        )
    written: list[Path] = []
    if args.spins_dir is not None:
        spin_set = engine.spins(image, options, progress=_span(bar, 0, 30), videos=True)
        args.spins_dir.mkdir(parents=True, exist_ok=True)
        for candidate in spin_set.spins:
            stem = f"spin_{candidate.index}"
            written.append(_write(args.spins_dir / f"{stem}.mp4", candidate.video_mp4))
            written.append(_write(args.spins_dir / f"{stem}.png", candidate.still_png))
        cutout = spin_set.cutout
        readings = [(spin.label, spin.reason) for spin in spin_set.spins]
        chosen = spin_set.chosen
    else:
        _set(bar, 5, "cut out")
        cutout = engine.load(image, options.fov_deg)
        _set(bar, 20, "choose")
        verdict = engine.choose(cutout, options)
        labels = verdict.offered or engine.reconstructor.labels
        readings = [(label, verdict.reasons[label]) for label in labels]
        chosen = labels.index(verdict.chosen)
    spin = chosen if args.spin == "auto" else args.spin
    chosen_by = "the chooser's pick" if spin == chosen else f"as asked (the chooser's: {chosen})"
    bar.clear()
    prior, reason = readings[spin]
    print(f"spin {spin} ({prior}), {chosen_by}: {reason}")
    model = engine.build(cutout, prior, options, progress=_span(bar, 30, 50))
    asset = postprocess(model, post_options, progress=_span(bar, 50, 70))
    end = 85 if args.animate else 100
    if args.animate:  # refuse (a legless shape asked to walk) before writing anything
        mask = cutout.mask
        check_character(asset, args.animate, args.rig, mask)
    for number, fmt in enumerate(formats):
        _set(bar, 70 + (end - 70) * number / len(formats), f"export {fmt}")
        data = FORMATS[fmt].write(asset)
        target = directory / FORMATS[fmt].file_name if directory is not None else args.output
        written.append(_write(target, data))
    if args.animate and directory is not None:
        _set(bar, end, "rig and animate")
        result = animate(asset, args.animate, args.rig, mask=mask)
        for suffix, files in (("glb", result.glb), ("fbx", result.fbx)):
            for clip, data in files.items():
                written.append(_write(directory / f"animated_{clip}.{suffix}", data))
    _set(bar, 100, "done")
    return written


def _targets(output: Path, formats: list[str] | None) -> tuple[list[str], Path | None]:
    """The formats to write and the directory (``None`` when writing one named file). By
    default a directory gets every format this machine can write."""
    if output.is_dir() or not output.suffix:
        if formats is None:
            for name, reason in missing_formats().items():
                print(f"i23d generate: not writing {name}: {reason}", file=sys.stderr)
            return [name for name in ALL_FORMATS if name in available_formats()], output
        return formats, output
    fmt = format_of_suffix(output.suffix)
    if fmt is None:
        raise InvalidOption(
            f"cannot tell the format of {output.name}; use one of "
            f"{', '.join(FORMATS[name].suffix for name in ALL_FORMATS)} or a directory",
            field="output",
        )
    if formats is not None and formats != [fmt.name]:
        raise InvalidOption(
            f"--formats needs a directory output; {output.name} is one {fmt.name} file",
            field="formats",
        )
    return [fmt.name], None


def _check_available(formats: list[str], field: str) -> None:
    """Refuse, saying why, a format this machine cannot write."""
    missing = missing_formats()
    for name in formats:
        if name in missing:
            raise InvalidOption(f"cannot write {name} here: {missing[name]}", field=field)


def _read_image(path: Path) -> bytes:
    if not path.is_file():
        raise InvalidOption(f"no such image file: {path}", field="image")
    return path.read_bytes()


def _write(path: Path, data: bytes) -> Path:
    """Write atomically (temporary file, then rename), creating the folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _progress_bar() -> tqdm:
    """A percentage bar on stderr, shown only on a terminal (logs stay clean)."""
    return tqdm(
        total=100,
        file=sys.stderr,
        leave=False,
        disable=not sys.stderr.isatty(),
        bar_format="{desc:<22}{percentage:3.0f}%|{bar}| {elapsed}",
    )


def _span(bar: tqdm, start: float, stop: float) -> Callable[[float, str], None]:
    """A progress callback mapping [0, 1] of one step onto [start, stop] of the bar."""

    def report(fraction: float, stage: str) -> None:
        _set(bar, start + (stop - start) * min(max(fraction, 0.0), 1.0), stage)

    return report


def _set(bar: tqdm, percent: float, stage: str) -> None:
    bar.set_description_str(stage, refresh=False)
    bar.update(max(0.0, percent - bar.n))


def _print_summary(written: list[Path]) -> None:
    total = sum(path.stat().st_size for path in written)
    print(f"wrote {len(written)} file{'s' if len(written) != 1 else ''} ({_size(total)}):")
    width = max(len(str(path)) for path in written)
    for path in written:
        print(f"  {str(path):<{width}}  {_size(path.stat().st_size):>9}")


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} kB"
    return f"{count / (1024 * 1024):.1f} MB"


def _format_list(text: str) -> list[str]:
    formats = [item.strip().lower().lstrip(".") for item in text.split(",") if item.strip()]
    unknown = [item for item in formats if item not in FORMATS]
    if unknown or not formats:
        raise argparse.ArgumentTypeError(
            f"unknown format {', '.join(unknown) or '(none)'}; choose from {','.join(ALL_FORMATS)}"
        )
    return list(dict.fromkeys(formats))


def _clip_list(text: str) -> list[str]:
    clips = [item.strip().lower() for item in text.split(",") if item.strip()]
    try:
        return list(check_request(clips, "auto"))
    except InvalidOption as error:
        raise argparse.ArgumentTypeError(error.message) from error


def _spin(text: str) -> str | int:
    """``auto`` or an index (checked against the reconstructor's spin count once it is known)."""
    if text == "auto" or text.isdigit():
        return text if text == "auto" else int(text)
    raise argparse.ArgumentTypeError(f"must be auto or a spin index, got {text!r}")
