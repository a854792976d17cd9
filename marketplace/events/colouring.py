"""Bipartite edge colouring with a cap on every colour class (standard library only).

The scheduler's slots are the colours: an edge (demand, supply) coloured c is a meeting in
usable slot c. A proper colouring (no two edges of one vertex share a colour) means nobody
is double-booked; a class of at most ``capacity`` edges means a slot needs no more tables
than there are.

Rules this module relies on, and why it always succeeds when they hold:

* every vertex has degree <= ``colours``: by König's theorem a bipartite graph has a proper
  edge colouring with max-degree colours, and the alternating-path (Kempe chain) step below
  builds one edge by edge;
* the number of edges is <= ``colours * capacity``: any proper colouring of a bipartite
  graph can be made equitable (class sizes differ by at most one) by swapping colours on
  alternating a/b paths, so no class needs more than ceil(edges / colours) <= capacity.

Everything is deterministic: edges are coloured in the order given, ties go to the lowest
colour index.
"""
from __future__ import annotations

Edge = tuple[int, int]


class _Colouring:
    """Colour -> partner maps per vertex, and the size of each colour class."""

    def __init__(self, colours: int):
        self.colours = colours
        self.left: dict[int, dict[int, int]] = {}
        self.right: dict[int, dict[int, int]] = {}
        self.load = [0] * colours

    def add(self, i: int, j: int, colour: int) -> None:
        self.left.setdefault(i, {})[colour] = j
        self.right.setdefault(j, {})[colour] = i
        self.load[colour] += 1

    def remove(self, i: int, j: int, colour: int) -> None:
        del self.left[i][colour]
        del self.right[j][colour]
        self.load[colour] -= 1

    def free(self, side: dict[int, dict[int, int]], vertex: int) -> list[int]:
        used = side.get(vertex, {})
        return [c for c in range(self.colours) if c not in used]

    def path(self, start: int, start_is_right: bool, first: int,
             second: int) -> list[tuple[int, int, int]]:
        """The maximal path from ``start`` whose edges alternate colours first, second, ...

        Returned as (left, right, colour) triples in path order."""
        edges = []
        vertex, on_right, colour = start, start_is_right, first
        while True:
            side = self.right if on_right else self.left
            partner = side.get(vertex, {}).get(colour)
            if partner is None:
                return edges
            edges.append((partner, vertex, colour) if on_right else (vertex, partner, colour))
            vertex, on_right = partner, not on_right
            colour = second if colour == first else first

    def swap(self, edges: list[tuple[int, int, int]], a: int, b: int) -> None:
        """Exchange colours a and b on a maximal a/b path: still proper, because the path's
        end vertices have no other a- or b-edge."""
        for i, j, colour in edges:
            self.remove(i, j, colour)
        for i, j, colour in edges:
            self.add(i, j, b if colour == a else a)


def colour_edges(edges: list[Edge], colours: int, capacity: int) -> list[int]:
    """A colour in range(colours) for each edge (left, right), parallel to ``edges``.

    No vertex has two edges of one colour and no colour has more than ``capacity`` edges.
    Raises ValueError when a vertex has more than ``colours`` edges, an edge repeats or
    there are more than ``colours * capacity`` edges (then no such colouring exists)."""
    if len(set(edges)) != len(edges):
        raise ValueError("an edge appears twice")
    if len(edges) > colours * capacity:
        raise ValueError(f"{len(edges)} edges do not fit {colours} colours of {capacity}")
    state = _Colouring(colours)
    for i, j in edges:
        _colour_one(state, i, j, capacity)
    _balance(state, capacity)
    return [_colour_of(state, i, j) for i, j in edges]


def _colour_one(state: _Colouring, i: int, j: int, capacity: int) -> None:
    """Colour edge (i, j), keeping the colouring proper.

    A colour free at both ends goes first (the least loaded one below capacity, to keep
    slots even). Otherwise take a free at i and b free at j and swap a/b on the path that
    starts at j with its a-edge: in a bipartite graph that path cannot end at i (it would
    close an odd cycle with the new edge), so afterwards a is free at both ends."""
    free_i = state.free(state.left, i)
    free_j = state.free(state.right, j)
    if not free_i or not free_j:
        raise ValueError("a vertex has more edges than there are colours")
    free_j_set = set(free_j)
    common = [c for c in free_i if c in free_j_set and state.load[c] < capacity]
    if common:
        state.add(i, j, min(common, key=lambda c: (state.load[c], c)))
        return
    common = [c for c in free_i if c in free_j_set]
    if common:  # free at both ends but full: colour it, _balance moves edges out later
        state.add(i, j, min(common, key=lambda c: (state.load[c], c)))
        return
    a = min(free_i, key=lambda c: (state.load[c], c))
    b = min(free_j, key=lambda c: (state.load[c], c))
    state.swap(state.path(j, True, a, b), a, b)
    state.add(i, j, a)


def _balance(state: _Colouring, capacity: int) -> None:
    """Move edges out of over-full classes until none has more than ``capacity``.

    With a the fullest class and b the emptiest, the a/b subgraph is a union of paths and
    even cycles; as |a| > |b| one path starts and ends with an a-edge, and swapping it moves
    exactly one edge from a to b. The sum of squared loads drops every time, so this ends."""
    while max(state.load, default=0) > capacity:
        a = max(range(state.colours), key=lambda c: (state.load[c], -c))
        b = min(range(state.colours), key=lambda c: (state.load[c], c))
        state.swap(_odd_path(state, a, b), a, b)


def _odd_path(state: _Colouring, a: int, b: int) -> list[tuple[int, int, int]]:
    """An a/b path with one more a-edge than b-edges (exists when |a| > |b|)."""
    for on_right, side in ((False, state.left), (True, state.right)):
        for vertex in sorted(side):
            colours = side[vertex]
            if a in colours and b not in colours:
                edges = state.path(vertex, on_right, a, b)
                if len(edges) % 2 == 1:
                    return edges
    raise AssertionError("no a/b path to swap although class a is larger than b")


def _colour_of(state: _Colouring, i: int, j: int) -> int:
    for colour, partner in state.left[i].items():
        if partner == j:
            return colour
    raise AssertionError(f"edge ({i}, {j}) lost its colour")
