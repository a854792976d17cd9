"""Maximum-weight bipartite b-matching with a cap on its size, exactly, by min-cost flow.

Network: source -> left i (capacity ``left_caps[i]``) -> right j (capacity 1, cost -weight)
-> sink (capacity ``right_caps[j]``). Successive shortest paths: each augmentation is a
cheapest source-sink path in the residual network (Dijkstra on reduced costs, node
potentials keep them non-negative). The cost of the k-th path never decreases (the optimum
as a function of the size is concave), so stopping at the first path that gains nothing, or
at ``total`` paths, gives the best matching of at most ``total`` edges.

Weights are integers, so ties and sums are exact and the result does not depend on float
rounding; ties in Dijkstra go to the lower node number, so the result is deterministic for
a given edge order.
"""
from __future__ import annotations

from heapq import heappop, heappush


class _Network:
    """Residual network in flat lists; edge e's reverse is e ^ 1."""

    def __init__(self, nodes: int):
        self.adjacent: list[list[int]] = [[] for _ in range(nodes)]
        self.head: list[int] = []
        self.cap: list[int] = []
        self.cost: list[int] = []

    def add(self, tail: int, head: int, cap: int, cost: int) -> int:
        edge = len(self.head)
        self.head += [head, tail]
        self.cap += [cap, 0]
        self.cost += [cost, -cost]
        self.adjacent[tail].append(edge)
        self.adjacent[head].append(edge + 1)
        return edge


def max_weight_b_matching(weights: dict[tuple[int, int], int], left_caps: list[int],
                          right_caps: list[int], total: int) -> list[tuple[int, int]]:
    """The edges (i, j) of a maximum-weight matching where left i has at most
    ``left_caps[i]`` edges, right j at most ``right_caps[j]`` and there are at most
    ``total`` edges. Only positive weights are used. Sorted result."""
    n_left = len(left_caps)
    source, sink = 0, n_left + len(right_caps) + 1
    network = _Network(sink + 1)
    for i, cap in enumerate(left_caps):
        if cap > 0:
            network.add(source, 1 + i, cap, 0)
    pair_edges = {}
    for (i, j), weight in sorted(weights.items()):
        if weight > 0 and left_caps[i] > 0 and right_caps[j] > 0:
            pair_edges[(i, j)] = network.add(1 + i, 1 + n_left + j, 1, -weight)
    for j, cap in enumerate(right_caps):
        if cap > 0:
            network.add(1 + n_left + j, sink, cap, 0)
    potential = _initial_potential(network, source, sink)
    for _ in range(max(total, 0)):
        if not _augment(network, potential, source, sink):
            break
    return [pair for pair, edge in pair_edges.items() if network.cap[edge] == 0]


def _initial_potential(network: _Network, source: int, sink: int) -> list[int]:
    """Potentials making every initial reduced cost >= 0: the network is a DAG of three
    layers, so a node's potential is its cheapest distance from the source (0 for left
    nodes, the most negative incoming cost for right nodes, their minimum for the sink)."""
    potential = [0] * len(network.adjacent)
    for node in range(1, sink):
        # an incoming edge shows in the node's list as its reverse (odd) edge
        incoming = [network.cost[edge ^ 1] for edge in network.adjacent[node] if edge % 2]
        potential[node] = min(incoming + [0])
    potential[sink] = min(potential[1:sink] + [0])
    return potential


def _augment(network: _Network, potential: list[int], source: int, sink: int) -> bool:
    """Push one unit along a cheapest source-sink path if it has negative cost (gains
    weight). Returns False when there is no such path."""
    distance, via, settled = _dijkstra(network, potential, source, sink)
    if via[sink] < 0:
        return False
    reach = distance[sink]
    # New potential: old + min(distance, reach). Settled nodes have distance <= reach,
    # the rest at least reach, and this keeps every residual reduced cost >= 0.
    for node in range(len(potential)):
        potential[node] += distance[node] if settled[node] else reach
    if potential[sink] - potential[source] >= 0:  # the path's real cost: no gain
        return False
    node = sink
    while node != source:
        edge = via[node]
        network.cap[edge] -= 1
        network.cap[edge ^ 1] += 1
        node = network.head[edge ^ 1]
    return True


def _dijkstra(network: _Network, potential: list[int], source: int, sink: int):
    """Reduced-cost distances from the source, stopping once the sink is settled."""
    nodes = len(potential)
    infinity = float("inf")
    distance = [infinity] * nodes
    via = [-1] * nodes
    settled = [False] * nodes
    distance[source] = 0
    heap = [(0, source)]
    head, cap, cost, adjacent = network.head, network.cap, network.cost, network.adjacent
    while heap:
        dist, node = heappop(heap)
        if settled[node]:
            continue
        settled[node] = True
        if node == sink:
            break
        base = dist + potential[node]
        for edge in adjacent[node]:
            if cap[edge] > 0:
                target = head[edge]
                candidate = base + cost[edge] - potential[target]
                if candidate < distance[target]:
                    distance[target] = candidate
                    via[target] = edge
                    heappush(heap, (candidate, target))
    return distance, via, settled
