"""Where an edge runs: straight on to its target, or in a lane beside the nodes in its way.

The layout (`graph.layout`) leaves a free lane beside the main path wherever a long
edge passes a layer; this module finds such a lane from the nodes' rectangles as
they are now, so an edge still finds its way after the user moved nodes by hand.
Everything is computed in flow coordinates: ``along`` the flow (down for ``"TB"``,
right for ``"LR"``) and ``across`` it. Pure Python, no Qt: plain tuples in and out.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

Rect = tuple[float, float, float, float]  # left, top, right, bottom in scene coordinates
FlowRect = tuple[float, float, float, float]  # along_start, across_start, along_end, across_end
Point = tuple[float, float]

PASS_MARGIN = 12.0  # an edge closer than this to a card counts as running into it
LANE_MARGIN = 24.0  # least room between a lane and the cards it passes
ENTRY = 6.0  # a lane starts this far before the first card it passes
STUB = 24.0  # an edge running against the flow first leaves its port this far along it
MAX_WIDENINGS = 6


def to_flow(point: Point, flow: str) -> Point:
    """(x, y) -> (along, across)."""
    return (point[1], point[0]) if flow == "TB" else point


def from_flow(point: Point, flow: str) -> Point:
    """(along, across) -> (x, y)."""
    return (point[1], point[0]) if flow == "TB" else point


class ObstacleIndex:
    """Node rectangles sorted along the flow, for quick "what lies in this band" questions."""

    def __init__(self, rects: dict[str, Rect], flow: str):
        boxes = []
        for key, (left, top, right, bottom) in rects.items():
            a0, c0 = to_flow((left, top), flow)
            a1, c1 = to_flow((right, bottom), flow)
            boxes.append((a0, c0, a1, c1, key))
        boxes.sort()
        self.flow = flow
        self._boxes = boxes
        self._starts = [box[0] for box in boxes]
        self._longest = max((box[2] - box[0] for box in boxes), default=0.0)

    def hits(self, along: tuple[float, float], across: tuple[float, float], exclude: tuple = ()) -> list[FlowRect]:
        """Rectangles overlapping the band `along` x `across` (open intervals), except `exclude` keys."""
        a0, a1 = along
        c0, c1 = across
        first = bisect_left(self._starts, a0 - self._longest)
        last = bisect_right(self._starts, a1)
        return [
            box[:4]
            for box in self._boxes[first:last]
            if box[0] < a1 and box[2] > a0 and box[1] < c1 and box[3] > c0 and box[4] not in exclude
        ]


def plan(start: Point, end: Point, index: ObstacleIndex | None, exclude: tuple = (), label_half: float = 0.0) -> list:
    """The corner points of an edge's route, in flow coordinates.

    Args:
        start: the output port (along, across).
        end: the input port (along, across).
        index: the cards that may be in the way (None: nothing is).
        exclude: keys of the cards the edge connects (not in the way of an edge that
            runs with the flow; beside an edge that runs against it).
        label_half: half the edge label's extent across the flow, so a label in the
            lane clears the cards beside it.

    Returns:
        ``[start, end]`` when nothing is in the way; ``[start, lane_in, lane_out, end]``
        when cards are, the middle points being the ends of the straight lane beside
        them; for an edge running against the flow, six points: out of the output
        along the flow, across to a lane beside both cards, back along the lane, and
        into the input along the flow.
    """
    (sa, sc), (ea, ec) = start, end
    if index is None:
        return [start, end]
    margin = max(LANE_MARGIN, label_half + 8.0)
    if ea - sa < 2 * ENTRY:
        return _back_route(start, end, index, margin)
    band = (sa + 1.0, ea - 1.0)
    blocking = index.hits(band, (min(sc, ec) - PASS_MARGIN, max(sc, ec) + PASS_MARGIN), exclude)
    if not blocking:
        return [start, end]
    lane = _lane(blocking, index, band, sc, ec, margin, exclude)
    first = min(box[0] for box in blocking)
    last = max(box[2] for box in blocking)
    return [start, (max(first - ENTRY, sa + ENTRY), lane), (min(last + ENTRY, ea - ENTRY), lane), end]


def _lane(blocking: list, index: ObstacleIndex, band: tuple, sc: float, ec: float, margin: float, exclude=()) -> float:
    """A line along the flow beside `blocking` (grown with what lies on it) with the shorter detour."""
    lane = sc
    for _ in range(MAX_WIDENINGS):
        low = min(box[1] for box in blocking) - margin
        high = max(box[3] for box in blocking) + margin
        lane = high if abs(sc - high) + abs(ec - high) <= abs(sc - low) + abs(ec - low) else low
        more = [box for box in index.hits(band, (lane - margin, lane + margin), exclude) if box not in blocking]
        if not more:
            break
        blocking += more
    return lane


def _back_route(start: Point, end: Point, index: ObstacleIndex, margin: float) -> list:
    """Out of the output, round the cards in between (both ends' included), into the input."""
    (sa, sc), (ea, ec) = start, end
    out_at, in_at = sa + STUB, ea - STUB
    band = (min(in_at, out_at), max(in_at, out_at))
    blocking = index.hits(band, (min(sc, ec) - PASS_MARGIN, max(sc, ec) + PASS_MARGIN))
    lane = _lane(blocking, index, band, sc, ec, margin) if blocking else (sc + ec) / 2
    return [start, (out_at, sc), (out_at, lane), (in_at, lane), (in_at, ec), end]
