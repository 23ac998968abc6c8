"""Does a photo hold barcode-like texture that the codes found so far do not explain?

Used to decide whether a photo where codes were already found deserves the expensive search:
bars and modules are dense, strong edges in a compact area, while clutter, shadows and flat
packaging are not. The areas of the codes already found (grown to their full symbol plus
human-readable digits, since a reader reports a linear code only where its scan lines crossed)
are blanked first; what dense texture remains is a code still missing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFilter

from scanner_client.imaging import Point, View

# Working resolution: enough for an EAN-13 across a fifth of a photo to keep its bar edges;
# large frames are analysed at no less than a third of their size so small codes keep theirs.
_ANALYSIS_SIDE = 480
_LEAST_ANALYSIS_SCALE = 1 / 3
_MOST_ANALYSIS_SIDE = 1024
_EDGE_THRESHOLD = 48
_BLOCK = 8
# A block is "dense" when this share of its pixels are strong edges; a missing code shows up as
# dense blocks whose eight neighbours are dense too.
_DENSE_SHARE = 0.3
_MIN_DENSE_CORES = 3
# Linear symbols are reported as a thin band; their bars span about this share of their width
# (EAN-13 is ~0.7 wide-to-high with digits; GS1-128 lower) — grown generously on purpose.
_LINEAR_HEIGHT_SHARE = 0.8
_MARGIN = 1.25


def unexplained_texture(view: View, found: Sequence[tuple[Sequence[Point], bool]]) -> bool:
    """True if dense texture remains outside the `found` areas (corners in view pixels, linear?)."""
    side = min(max(_ANALYSIS_SIDE, view.longest_side * _LEAST_ANALYSIS_SCALE), _MOST_ANALYSIS_SIDE)
    factor = min(1.0, side / view.longest_side)
    width, height = view.image.size
    small = view.image.resize(
        (max(1, round(width * factor)), max(1, round(height * factor))), Image.Resampling.BOX
    )
    edges = small.filter(ImageFilter.FIND_EDGES).point(
        lambda value: 255 if value > _EDGE_THRESHOLD else 0
    )
    draw = ImageDraw.Draw(edges)
    for corners, linear in found:
        outline = _symbol_outline([(x * factor, y * factor) for x, y in corners], linear=linear)
        draw.polygon(outline, fill=0)
    blocks = edges.resize(
        (max(1, edges.width // _BLOCK), max(1, edges.height // _BLOCK)), Image.Resampling.BOX
    )
    dense = blocks.point(lambda share: 255 if share >= _DENSE_SHARE * 255 else 0)
    # Erosion keeps only blocks inside a compact dense area: loose text and specks drop out.
    cores = dense.filter(ImageFilter.MinFilter(3)).histogram()[255]
    return cores >= _MIN_DENSE_CORES


def _symbol_outline(corners: Sequence[Point], *, linear: bool) -> list[Point]:
    """The four corners grown about their centre; a linear band grown to a full symbol."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = corners[:4]
    centre_x, centre_y = (x0 + x1 + x2 + x3) / 4, (y0 + y1 + y2 + y3) / 4
    along = ((x1 - x0 + x2 - x3) / 2, (y1 - y0 + y2 - y3) / 2)
    across = ((x3 - x0 + x2 - x1) / 2, (y3 - y0 + y2 - y1) / 2)
    length = math.hypot(*along) or 1.0
    depth = math.hypot(*across)
    if linear:
        # The band may lie anywhere along the bars, so grow both ways by a full symbol height.
        wanted = max(depth, 2 * _LINEAR_HEIGHT_SHARE * length)
        # Perpendicular to the bars' direction of reading, whatever the reported band's skew.
        normal = (-along[1] / length, along[0] / length)
        across = (normal[0] * wanted, normal[1] * wanted)
    half_along = (along[0] * _MARGIN / 2, along[1] * _MARGIN / 2)
    half_across = (across[0] * _MARGIN / 2, across[1] * _MARGIN / 2)
    return [
        (
            centre_x + sx * half_along[0] + sy * half_across[0],
            centre_y + sx * half_along[1] + sy * half_across[1],
        )
        for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
    ]
