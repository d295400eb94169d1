"""Contact sheets: labelled rows of square tiles in one picture, for looking at results."""

from __future__ import annotations

from PIL import Image, ImageDraw

LABEL_HEIGHT = 16


def rows_sheet(rows: list[tuple[str, list[Image.Image]]], tile: int) -> Image.Image:
    """One row per (label, tiles) entry, each ``tile`` pixels square, under its label."""
    columns = max(len(images) for _, images in rows)
    sheet = Image.new("RGB", (columns * tile, len(rows) * (tile + LABEL_HEIGHT)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for index, (label, images) in enumerate(rows):
        top = index * (tile + LABEL_HEIGHT)
        draw.text((4, top + 2), label, fill=(0, 0, 0))
        for column, image in enumerate(images):
            sheet.paste(image, (column * tile, top + LABEL_HEIGHT))
    return sheet
