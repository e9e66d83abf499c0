"""Where a scatter chart's text labels go so that none covers another, a marker or a line.

Plotly puts a point's text at one of nine positions around its marker and never
checks for collisions: on a busy map names pile up. The positions are chosen
here instead, in pixels of the plot at the widths it is usually drawn at, and a
label with no free position is left to the hover (and the table beside the
chart). Pure geometry: no Plotly, no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Wide enough for Inter, DejaVu and Liberation Sans, whichever the browser finds.
CHAR_EM = 0.62
LINE_EM = 1.3  # plotly.js's line spacing
GAP_PX = 3  # between a marker's edge and its text
CLEARANCE_PX = 2  # between two things that must not touch
ELLIPSIS = "…"
SHORTEST = 12  # characters a shortened label keeps, ellipsis included
# Nearest first; centred positions read best, corners only when the sides are taken.
POSITIONS = (
    "top center",
    "bottom center",
    "middle right",
    "middle left",
    "top right",
    "top left",
    "bottom right",
    "bottom left",
)


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels, y upwards as on the plot."""

    left: float
    bottom: float
    right: float
    top: float

    def overlaps(self, other: Box) -> bool:
        c = CLEARANCE_PX
        return (
            self.left < other.right + c
            and other.left < self.right + c
            and self.bottom < other.top + c
            and other.bottom < self.top + c
        )

    def inside(self, width: float, height: float) -> bool:
        return self.left >= 0 and self.bottom >= 0 and self.right <= width and self.top <= height


def text_size(text: str, font_px: float) -> tuple[float, float]:
    """A generous estimate of a one-line text's width and height in pixels."""
    return len(text) * font_px * CHAR_EM, font_px * LINE_EM


def label_box(x: float, y: float, text: str, position: str, *, font_px: float, marker_px: float) -> Box:
    """Where plotly draws ``text`` at ``position`` around a marker centred on (x, y)."""
    width, height = text_size(text, font_px)
    vertical, horizontal = position.split(" ")
    reach = marker_px / 2 + GAP_PX
    if horizontal == "center":
        left = x - width / 2
    else:
        left = x + reach if horizontal == "right" else x - reach - width
    if vertical == "middle":
        bottom = y - height / 2
    else:
        bottom = y + reach if vertical == "top" else y - reach - height
    return Box(left, bottom, left + width, bottom + height)


def marker_box(x: float, y: float, marker_px: float) -> Box:
    half = marker_px / 2
    return Box(x - half, y - half, x + half, y + half)


def label_positions(
    points: Sequence[tuple[float, float]],
    texts: Sequence[str],
    *,
    frames: Sequence[tuple[float, float]],
    font_px: float,
    marker_px: float,
    lines: Sequence[tuple[str, float]] = (),
    fixed: Callable[[float, float], list[Box]] = lambda width, height: [],
) -> list[tuple[str, str] | None]:
    """A (position, text) for each point's label, or None where every position collides.

    ``points`` are fractions of the plot (0..1 across, 0..1 up); ``frames`` the
    plot sizes in pixels the chart is drawn at, and a label must be clear in
    every one of them. ``fixed(width, height)`` gives the boxes of the chart's
    other texts, never to be covered; ``lines`` its rules, ("x" or "y", fraction),
    which a label avoids when it can but crosses rather than go. A label that
    fits nowhere may move one placed before it, then is shortened, then left out.
    """
    scene = _Scene(points, frames, font_px=font_px, marker_px=marker_px, lines=lines, fixed=fixed)
    for index, text in enumerate(texts):
        for candidate in _shortened(text):
            if scene.place(index, candidate):
                break
    return [scene.labels.get(index) for index in range(len(points))]


class _Scene:
    """The plot at each of its frames, in pixels: markers, rules, other texts and the labels so far."""

    def __init__(self, points, frames, *, font_px, marker_px, lines, fixed):
        self.points, self.frames = points, frames
        self.font_px, self.marker_px = font_px, marker_px
        self.fixed = [list(fixed(w, h)) for w, h in frames]
        self.markers = [[marker_box(x * w, y * h, marker_px) for x, y in points] for w, h in frames]
        self.rules = [[_rule_box(axis, at, w, h) for axis, at in lines] for w, h in frames]
        self.labels: dict[int, tuple[str, str]] = {}
        self.boxes: dict[int, list[Box]] = {}  # each label's box in every frame

    def place(self, index: int, text: str) -> bool:
        """Label the point with ``text`` if a position is clear, moving one other label if need be."""
        for avoid_lines in (True, False):
            position = self._free(index, text, avoid_lines=avoid_lines)
            if position:
                self._put(index, position, text)
                return True
        return any(self._place_moving_one(index, text, position) for position in POSITIONS)

    def _place_moving_one(self, index: int, text: str, position: str) -> bool:
        boxes = self._boxes(index, position, text)
        blocking = [
            other for other, theirs in self.boxes.items() if any(a.overlaps(b) for a, b in zip(boxes, theirs))
        ]
        if len(blocking) != 1 or not self._clear(index, boxes, avoid_lines=False, ignore=blocking[0]):
            return False
        other = blocking[0]
        old_position, old_text = self.labels[other]
        self._take(other)
        self._put(index, position, text)
        moved_to = self._free(other, old_text, avoid_lines=False)
        if moved_to:
            self._put(other, moved_to, old_text)
            return True
        self._take(index)
        self._put(other, old_position, old_text)
        return False

    def _free(self, index: int, text: str, *, avoid_lines: bool) -> str | None:
        return next(
            (
                position
                for position in POSITIONS
                if self._clear(index, self._boxes(index, position, text), avoid_lines=avoid_lines)
            ),
            None,
        )

    def _put(self, index: int, position: str, text: str) -> None:
        self.labels[index] = (position, text)
        self.boxes[index] = self._boxes(index, position, text)

    def _take(self, index: int) -> None:
        del self.labels[index], self.boxes[index]

    def _boxes(self, index: int, position: str, text: str) -> list[Box]:
        x, y = self.points[index]
        return [
            label_box(x * w, y * h, text, position, font_px=self.font_px, marker_px=self.marker_px)
            for w, h in self.frames
        ]

    def _clear(self, index: int, boxes: list[Box], *, avoid_lines: bool, ignore: int | None = None) -> bool:
        for frame, box in enumerate(boxes):
            if not box.inside(*self.frames[frame]):
                return False
            others = [theirs[frame] for i, theirs in self.boxes.items() if i not in (index, ignore)]
            others += self.fixed[frame] + [m for i, m in enumerate(self.markers[frame]) if i != index]
            if avoid_lines:
                others += self.rules[frame]
            if any(box.overlaps(other) for other in others):
                return False
        return True


def _shortened(text: str) -> list[str]:
    """The text, then shorter versions of it cut at a word, down to SHORTEST characters."""
    versions = [text]
    words = text.split(" ")
    for count in range(len(words) - 1, 0, -1):
        cut = " ".join(words[:count]).rstrip(",;:(-") + ELLIPSIS
        if len(cut) >= SHORTEST and cut != versions[-1]:
            versions.append(cut)
    return versions


def _rule_box(axis: str, at: float, width: float, height: float) -> Box:
    if axis == "x":
        return Box(at * width - 1, 0, at * width + 1, height)
    return Box(0, at * height - 1, width, at * height + 1)
