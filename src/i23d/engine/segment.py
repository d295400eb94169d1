"""Foreground masks: the alpha channel when given, else background removal.

Three cut-outs:

- ``classical`` assumes a plain or simple background: a colour model of the image border seeds
  OpenCV's GrabCut, which then separates the object;
- ``guided`` (the default, :data:`DEFAULT_CUTOUT`) is the classical cut-out with IS-Net
  (:mod:`i23d.engine.saliency`) as a veto: what IS-Net is sure is background is taken out (a
  face, a tower or a flag's stripe in the background's colours that GrabCut kept), unless that
  would take out most of the object (then IS-Net missed the object, not the colours); on a
  plain background (a backdrop: nothing else is salient) IS-Net leads, as in ``learned``;
- ``learned`` lets IS-Net lead: its object the photo is about seeds GrabCut, the border's
  colours veto salient background that IS-Net is not sure of and, when the mask holds several
  separate objects, the one the photo is about (the largest and most central) is kept.

All three drop separate parts that run out of the frame (a tower, a flag's stripe, the table
behind), and thin parts that run out of it from an object that itself keeps clear of the frame
(a launch tower standing behind a figure; where IS-Net ran, not a part of its object that it
sees ending short of the border band, such as a chair's leg): the photo is about the object
inside it. ``guided`` and ``learned`` fall back to the classical cut-out when the model file
is missing or IS-Net finds nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from i23d.engine.errors import NoObjectFound
from i23d.engine.saliency import load_model, model_path

CutoutMethod = Literal["guided", "learned", "classical"]
CUTOUT_METHODS: tuple[str, ...] = ("guided", "learned", "classical")
DEFAULT_CUTOUT: CutoutMethod = "guided"
"""The best over natural backgrounds on the quality benchmark and the dev views
(docs/benchmarks.md, "the guided cut-out"); IS-Net-led ``learned`` keeps salient background
attached where it reaches in from the frame or lies enclosed by the object."""
OBJECT_FRACTION = 0.05
"""A separate region counts as another object when at least this fraction of the kept one's
area; smaller ones are specks, dropped silently."""
SALIENT_PART = 0.002
"""A separate part of the cut-out at least this fraction of the image that IS-Net is
:data:`CONFIDENT` of is kept even when under a tenth of the largest (a figure's head, a hand)."""
SURE_BACKGROUND = 0.05
"""IS-Net's probability below which a pixel is taken as background outright (the learned
cut-out's seed, the guided cut-out's veto)."""
DOUBTED = 0.2
"""The guided cut-out's IS-Net probability under which a pixel in the border's colours inside
the object's hull is seeded as probable background, not left to GrabCut as probable object (a
saucer under a cup, a flag's stripe between a table's legs; chosen on the dev views: 0.05, 0.2
and 0.5 gave mean mask IoU 0.945, 0.951 and 0.948)."""
VETO_LIMIT = 0.5
"""The guided cut-out ignores IS-Net's veto when it would keep less than this fraction of the
colours' mask (IS-Net missed the object: a patterned one over a striped flag)."""
CONFIDENT = 0.95
"""The learned cut-out's probability above which a pixel is probably the object even when the
image border shows its colour (a white table's legs on white, a grey part on gravel)."""
NOTHING_SALIENT = 0.001
"""When IS-Net marks less than this fraction of the photo, it found nothing (a patterned object
over a striped flag can read as all background): the classical cut-out decides instead."""
NOTHING_SALIENT_NOTE = "the learned cut-out saw no object; cut out by the background's colours"
FRINGE = 0.01
"""The kept object's soft edge reaches this fraction of the image side beyond its hard mask."""

GRABCUT_SIDE = 320
BORDER_FRACTION = 0.04
FRAME_REACH = BORDER_FRACTION + 0.01
"""A separate part that comes this close to the frame (as a fraction of the shorter side; the
border band itself is always background) runs out of it."""
BORDER_SAMPLES = 3000
MIN_COLOUR_TOLERANCE = 6.0
SPUR_WIDTH = 0.06
"""A part narrower than this fraction of the shorter side that runs out of the frame, from an
object that itself keeps clear of it, is background reaching in behind the object (a launch
tower, a lamp post), not part of the object."""
SPUR_LENGTH = 0.15
"""... and at least this long (a fraction of the shorter side): a star's or a cone's tip near
the frame tapers off within a few percent, a tower runs on across the photo."""
RUNS_ON = 0.5
"""With IS-Net, a thin part that it sees as the object (this share of it salient) runs out of
the frame only when this share of the border band just beyond it is salient too: a tower goes
on to the frame; a chair's front leg seen from above, which the framing brings within
:data:`FRAME_REACH` of the frame, ends short of it."""
GRAZING = 0.01
"""An object whose body has at most this fraction of its pixels within :data:`FRAME_REACH` of
the frame only grazes it (a box's corner): a spur from it still runs out of the photo behind
it (a rocket under a box; chosen on the cut-out survey of the dev views: 0.01 and 0.02 fix the
same view and lose none, 0.05 loses a car over the flag)."""
PLAIN_SPREAD = 12.0
"""A background is plain when 90% of the border band's colours lie within this Lab distance of
its median colour (a backdrop's gradient and noise; natural photos spread over 25 and more)."""


def alpha_mask(rgba: np.ndarray) -> np.ndarray:
    """The alpha channel as a float mask in [0, 1]."""
    return rgba[..., 3].astype(np.float32) / 255.0


@dataclass(frozen=True)
class ObjectMask:
    """The object's soft mask in [0, 1] and, when the cut-out made a choice worth telling
    (several objects, one kept), a short note saying so."""

    alpha: np.ndarray
    note: str = ""


@dataclass(frozen=True)
class BorderColours:
    """The border band, the pixels whose colour lies far from every border colour, and whether
    the background is plain (the band's colours within :data:`PLAIN_SPREAD` of its median)."""

    border: np.ndarray
    unlike: np.ndarray
    plain: bool


def find_object(rgb: np.ndarray, method: CutoutMethod, model_dir: Path | None) -> ObjectMask:
    """The object in an RGB photo by the chosen cut-out (guided and learned fall back to
    classical when the model file is missing, and when IS-Net sees nothing; learned says so in
    the note)."""
    if method != "classical":
        model = load_model(model_path(model_dir))
        if model is not None:
            saliency = model.predict(rgb)
            if np.count_nonzero(saliency > 0.5) < NOTHING_SALIENT * saliency.size:
                note = NOTHING_SALIENT_NOTE if method == "learned" else ""
                return ObjectMask(remove_background(rgb), note)
            if method == "learned":
                return main_object(remove_background(rgb, saliency=saliency))
            return ObjectMask(remove_background(rgb, veto=saliency))
    return ObjectMask(remove_background(rgb))


def main_object(probability: np.ndarray) -> ObjectMask:
    """Keep the separate region the photo is about: the largest weighted by how central it is
    (its centroid's distance from the image centre, as a fraction of the half diagonal, takes
    that fraction off its area); everything else, with its soft edge, is dropped."""
    hard = (probability > 0.5).astype(np.uint8)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(hard, connectivity=8)
    if count <= 2:
        return ObjectMask(probability)
    height, width = hard.shape
    centre = np.array([width / 2.0, height / 2.0])
    off_centre = np.linalg.norm(centroids[1:] - centre, axis=1) / math.hypot(width, height) * 2
    areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
    kept = int(np.argmax(areas * np.clip(1.0 - off_centre, 0.05, 1.0)))
    objects = int(np.count_nonzero(areas >= OBJECT_FRACTION * areas[kept]))
    reach = max(2, round(FRINGE * max(height, width)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
    region = cv2.dilate((labels == kept + 1).astype(np.uint8), kernel).astype(bool)
    region &= (labels == 0) | (labels == kept + 1)  # not the edge of a dropped neighbour
    alpha = np.where(region, probability, 0.0)
    note = (
        f"the photo holds {objects} separate objects; kept the largest, most central one"
        if objects > 1
        else ""
    )
    return ObjectMask(alpha.astype(np.float32), note)


def remove_background(
    rgb: np.ndarray,
    iterations: int = 4,
    saliency: np.ndarray | None = None,
    veto: np.ndarray | None = None,
) -> np.ndarray:
    """Estimate the object's mask (float in [0, 1]) of an RGB photo: by GrabCut seeded from
    the border's colours, and from ``saliency`` (IS-Net's probability, the learned cut-out)
    if given; ``veto`` (IS-Net's probability, the guided cut-out) takes out what it is sure is
    background, or leads as ``saliency`` does when the background is plain."""
    height, width = rgb.shape[:2]
    scale = min(1.0, GRABCUT_SIDE / max(height, width))
    size = (max(8, round(width * scale)), max(8, round(height * scale)))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    isnet = saliency if saliency is not None else veto
    salient = None if isnet is None else cv2.resize(isnet, size, interpolation=cv2.INTER_AREA)
    colours = _border_colours(small, salient)
    # The guided cut-out's IS-Net leads too on a backdrop, where nothing but the object is
    # salient while the border's colour cuts out the object's own white and grey parts and
    # whatever of it reaches the frame.
    lead = saliency if saliency is not None else (veto if colours.plain else None)
    if lead is not None and salient is not None:
        seed = _salient_seed(colours, salient)
    else:
        seed = _border_seed(colours, salient)
    if not np.any(seed == cv2.GC_PR_FGD):
        if lead is not None:  # all it found has the border's colours: take its word
            return lead
        raise NoObjectFound("no object found: the image looks like plain background")
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    mask = seed.copy()
    # GrabCut starts its colour models from k-means on OpenCV's global random generator:
    # seeded, a photo always gives the same mask (unseeded, natural photos' masks varied with
    # whatever ran before: mean IoU over the cut-out benchmark moved by up to 0.03).
    cv2.setRNGSeed(0)
    cv2.grabCut(  # type: ignore[call-overload]  # no rect with GC_INIT_WITH_MASK; stubs want one
        cv2.cvtColor(small, cv2.COLOR_RGB2BGR),
        mask,
        None,
        bgd,
        fgd,
        iterations,
        cv2.GC_INIT_WITH_MASK,
    )
    fg = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    seen = None if salient is None else salient > 0.5
    if lead is not None and seen is not None and not colours.plain:
        fg |= _dropped_parts(seen, fg, colours.border)
    elif lead is None and salient is not None:
        fg = _vetoed(fg, salient)
    fg = _main_components(_without_spurs(_inside_frame(fg), seen), salient)
    if seen is not None and not colours.plain:
        fg = _into_border(fg, seen)
    soft = cv2.GaussianBlur(fg.astype(np.float32), (0, 0), 0.7)
    return np.clip(cv2.resize(soft, (width, height), interpolation=cv2.INTER_LINEAR), 0.0, 1.0)


def _vetoed(fg: np.ndarray, saliency: np.ndarray) -> np.ndarray:
    """``fg`` less what IS-Net is sure is background, with the holes this opens inside the
    object filled again (a pattern IS-Net doubts is no hole); unchanged when that would keep
    less than :data:`VETO_LIMIT` of it."""
    kept = fg.astype(bool) & (saliency >= SURE_BACKGROUND)
    kept |= ndimage.binary_fill_holes(kept) & fg.astype(bool)
    if np.count_nonzero(kept) < VETO_LIMIT * np.count_nonzero(fg):
        return fg
    return kept.astype(np.uint8)


def _inside_frame(fg: np.ndarray) -> np.ndarray:
    """``fg`` less its separate parts, other than the largest, that come within
    :data:`FRAME_REACH` of the frame: background running out of the photo (a tower, a flag's
    stripe), not part of the object it is about."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    if count <= 2:
        return fg
    near = _frame_band(fg.shape, FRAME_REACH)
    running_out = np.zeros(count, bool)
    running_out[labels[near & (fg > 0)]] = True
    running_out[0] = False
    running_out[1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))] = False
    return (fg.astype(bool) & ~running_out[labels]).astype(np.uint8)


def _without_spurs(fg: np.ndarray, salient: np.ndarray | None = None) -> np.ndarray:
    """``fg`` less its parts narrower than :data:`SPUR_WIDTH` and at least :data:`SPUR_LENGTH`
    long that come within :data:`FRAME_REACH` of the frame, when the rest keeps clear of it
    (an object the photo frames whole, a tower behind it) or only grazes it (:data:`GRAZING`);
    unchanged when the body itself reaches the frame (a close-up). With ``salient`` (IS-Net's
    object), a part IS-Net sees as the object goes only where it sees it going on into the
    border band (:func:`_runs_on`)."""
    near = _frame_band(fg.shape, FRAME_REACH)
    if not np.any(fg[near]):
        return fg
    radius = max(1, round(SPUR_WIDTH / 2 * min(fg.shape[:2])))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    body = cv2.morphologyEx(fg, cv2.MORPH_OPEN, kernel)
    if not np.any(body) or np.count_nonzero(body[near]) > GRAZING * np.count_nonzero(body):
        return fg
    thin = (fg > 0) & (body == 0)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        thin.astype(np.uint8), connectivity=8
    )
    extent = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    spur = np.zeros(count, bool)
    spur[labels[near & thin]] = True
    spur &= extent >= SPUR_LENGTH * min(fg.shape[:2])
    spur[0] = False
    if salient is not None:
        for part in np.flatnonzero(spur):
            spur[part] = _runs_on(labels == part, salient)
    return (fg.astype(bool) & ~spur[labels]).astype(np.uint8)


def _runs_on(part: np.ndarray, salient: np.ndarray) -> bool:
    """Whether ``part``, a thin part within :data:`FRAME_REACH` of the frame, runs out of it
    as IS-Net (``salient``) sees it. It does, unless at least :data:`RUNS_ON` of the part is
    IS-Net's object while less than that share of the border band's pixels just beyond it is
    (the object stops short of the band)."""
    if float(salient[part].mean()) < RUNS_ON:
        return True
    reach = _band_width(part.shape, FRAME_REACH) - _band_width(part.shape, BORDER_FRACTION) + 2
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
    ahead = (cv2.dilate(part.astype(np.uint8), kernel) > 0) & _frame_band(
        part.shape, BORDER_FRACTION
    )
    return not ahead.any() or float(salient[ahead].mean()) >= RUNS_ON


def _into_border(fg: np.ndarray, salient: np.ndarray) -> np.ndarray:
    """``fg`` run on towards the frame through the border band, which GrabCut was told is
    background: where ``fg`` meets the band's inner edge (gaps GrabCut cut in it narrower
    than twice the band's width bridged), on for as long as ``salient`` (IS-Net's object)
    goes on, and the notches left enclosed next to the band filled where IS-Net sees the
    object. An object framed close to the photo's edge (a box's near corner seen from above)
    keeps its edge; what the band holds beside the object stays out."""
    band = _band_width(fg.shape, BORDER_FRACTION)
    bridge = np.ones(2 * band + 1, bool)
    out = fg.astype(bool)
    for turns in range(4):  # each side in turn as the bottom of a rotated view (views of out)
        side, seen = np.rot90(out, turns), np.rot90(salient, turns)
        meets = ndimage.binary_closing(side[-band - 1], bridge) | side[-band - 1]
        side[-band:] |= np.cumprod(seen[-band:], axis=0).astype(bool) & meets
    notches = ndimage.binary_fill_holes(out) & ~out & salient
    notches &= _frame_band(fg.shape, 2 * BORDER_FRACTION)
    return (out | notches).astype(np.uint8)


def _dropped_parts(salient: np.ndarray, fg: np.ndarray, border: np.ndarray) -> np.ndarray:
    """The salient regions GrabCut dropped that stay clear of the border band: parts of the
    object in the background's colours (green on grass, red on brick), not background reaching
    in from outside the frame (a tower, a flag's stripe, the table a cup stands on)."""
    # The background around the object (not its holes, where IS-Net's fill is no evidence).
    count, labels = cv2.connectedComponents((fg == 0).astype(np.uint8), connectivity=4)
    around = np.zeros(count, bool)
    around[labels[border]] = True
    dropped = (salient & (fg == 0) & around[labels]).astype(np.uint8)
    count, labels = cv2.connectedComponents(dropped, connectivity=8)
    if count <= 1:
        return np.zeros_like(fg)
    inside = np.ones(count, bool)
    inside[0] = False
    inside[labels[border]] = False
    return inside[labels].astype(np.uint8)


def _salient_seed(colours: BorderColours, saliency: np.ndarray) -> np.ndarray:
    """GrabCut seed from the learned cut-out: salient pixels are probably foreground unless
    their colour is one the image border shows (a flag, a tower or a cup reaching out of the
    frame behind the object) and IS-Net is not :data:`CONFIDENT` of them, clearly non-salient
    ones are background, the border band too (on a plain background, only where IS-Net is not
    confident: the object reaching the frame there has nothing salient behind it to be
    mistaken for); GrabCut's colour models settle the rest."""
    seed = np.full(saliency.shape, cv2.GC_PR_BGD, np.uint8)
    seed[((saliency > 0.5) & colours.unlike) | (saliency > CONFIDENT)] = cv2.GC_PR_FGD
    seed[saliency < SURE_BACKGROUND] = cv2.GC_BGD
    band = colours.border & (saliency < CONFIDENT) if colours.plain else colours.border
    seed[band] = cv2.GC_BGD
    return seed


def _border_colours(rgb: np.ndarray, salient: np.ndarray | None = None) -> BorderColours:
    """The border band's colours and the pixels far from all of them; whether the background
    is plain is judged on the band's pixels that IS-Net (``salient``, when given) does not
    take for the object (an object reaching the frame of a backdrop puts its colours there).

    8-bit Lab colours repeat a lot (a plain background is one colour), so the nearest-colour
    searches run on the distinct colours only: the same answer, far fewer queries, and no
    k-d tree degenerating on thousands of identical points."""
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
    height, width = lab.shape[:2]
    border = _frame_band((height, width), BORDER_FRACTION)
    samples = lab[border]
    backdrop = samples if salient is None else samples[salient[border] <= 0.5]
    backdrop = backdrop if len(backdrop) else samples
    spread = np.linalg.norm(backdrop - np.median(backdrop, axis=0), axis=1)
    plain = float(np.percentile(spread, 90)) < PLAIN_SPREAD
    rng = np.random.default_rng(0)
    if len(samples) > BORDER_SAMPLES:
        samples = samples[rng.choice(len(samples), BORDER_SAMPLES, replace=False)]
    colours, counts = np.unique(samples, axis=0, return_counts=True)
    tree = cKDTree(colours.astype(np.float32))
    # How far apart neighbouring border colours are: the background's own colour spread, as
    # each sample's distance to its 4th nearest sample (itself included, repeats counted).
    k = min(4, len(colours))
    spacing, index = tree.query(colours.astype(np.float32), k=k)
    spacing, index = spacing.reshape(len(colours), k), index.reshape(len(colours), k)
    reached = np.cumsum(counts[index], axis=1) >= min(4, len(samples))
    fourth = spacing[np.arange(len(colours)), np.argmax(reached, axis=1)]
    tolerance = max(MIN_COLOUR_TOLERANCE, 2.0 * float(np.percentile(np.repeat(fourth, counts), 90)))
    keys = _colour_keys(lab.reshape(-1, 3))
    distinct, inverse = np.unique(keys, return_inverse=True)
    queries = np.stack([distinct >> 16, (distinct >> 8) & 255, distinct & 255], axis=1)
    distance, _ = tree.query(queries.astype(np.float32), k=1, distance_upper_bound=4 * tolerance)
    far = (distance > tolerance)[inverse.reshape(-1)].reshape(height, width)
    return BorderColours(border, far & ~border, plain)


def _band_width(shape: tuple[int, ...], fraction: float) -> int:
    """``fraction`` of the shorter side in pixels, at least 2."""
    return max(2, round(fraction * min(shape[:2])))


def _frame_band(shape: tuple[int, ...], fraction: float) -> np.ndarray:
    """The pixels within ``fraction`` of the shorter side (at least 2) of the image's edge."""
    height, width = shape[:2]
    band = _band_width(shape, fraction)
    near = np.zeros((height, width), bool)
    near[:band], near[-band:], near[:, :band], near[:, -band:] = True, True, True, True
    return near


def _colour_keys(colours: np.ndarray) -> np.ndarray:
    """One integer per 8-bit three-channel colour."""
    c = colours.astype(np.int32)
    return (c[:, 0] << 16) | (c[:, 1] << 8) | c[:, 2]


def _border_seed(colours: BorderColours, saliency: np.ndarray | None = None) -> np.ndarray:
    """GrabCut seed: the border band is background; a pixel whose colour lies close to some
    border colour is probably background; every other pixel probably foreground. With
    ``saliency`` (IS-Net's probability, the guided cut-out), pixels in the border's colours
    that it doubts (under :data:`DOUBTED`) stay probable background inside the hull too, and
    the band's pixels it is :data:`CONFIDENT` of are only probably background (an object's
    corner or base within the band, which GrabCut may keep; a tower or a cup there, which its
    colours drop)."""
    border, unlike = colours.border, colours.unlike
    seed = np.full(unlike.shape, cv2.GC_PR_BGD, np.uint8)
    hull = _hull_of_main_parts(unlike)
    if hull is not None:
        # An object's parts that happen to share the background's colours usually lie
        # between its distinctive parts: let GrabCut decide everything inside their hull.
        cv2.fillConvexPoly(seed, hull, int(cv2.GC_PR_FGD))
        if saliency is not None:  # ... unless IS-Net doubts them (a saucer, a flag's stripe)
            seed[saliency < DOUBTED] = cv2.GC_PR_BGD
    seed[unlike] = cv2.GC_PR_FGD
    seed[border] = cv2.GC_BGD
    if saliency is not None:  # ... and the band's pixels IS-Net is sure of are left to GrabCut
        seed[border & (saliency > CONFIDENT)] = cv2.GC_PR_BGD
    return seed


def _hull_of_main_parts(unlike: np.ndarray) -> np.ndarray | None:
    """Convex hull of the sizeable connected regions of background-unlike pixels."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        unlike.astype(np.uint8), connectivity=8
    )
    if count <= 1:
        return None
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = 1 + np.flatnonzero(areas >= 0.001 * unlike.size)
    ys, xs = np.nonzero(np.isin(labels, keep))
    return cv2.convexHull(np.stack([xs, ys], axis=1).astype(np.int32))


def _main_components(fg: np.ndarray, salient: np.ndarray | None = None) -> np.ndarray:
    """Keep the largest connected component and any component at least a tenth its size, or
    at least :data:`SALIENT_PART` of the image with IS-Net (``salient``: its probability)
    :data:`CONFIDENT` over at least half of it (a figure's head apart from its body); fill
    tiny holes (specks), keep real ones."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    if count <= 1:
        return fg
    areas = stats[1:, cv2.CC_STAT_AREA]
    kept = areas >= 0.1 * areas.max()
    if salient is not None:
        sure = np.asarray(ndimage.median(salient, labels, np.arange(1, count))) >= CONFIDENT
        kept |= sure & (areas >= SALIENT_PART * fg.size)
    keep = 1 + np.flatnonzero(kept)
    out = np.isin(labels, keep).astype(np.uint8)
    holes = 1 - out
    count, labels, stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=4)
    small = 1 + np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] < 0.002 * fg.size)
    out[np.isin(labels, small)] = 1
    return out
