"""Whoosh's BM25F as the postgres backend and the bulk retrieval reproduce it: the same
constants, idf and one-byte field lengths, so that every path ranks alike."""
import math

from whoosh.util.numeric import byte_to_length, length_to_byte

K1, B = 1.2, 0.75  # Whoosh's BM25F defaults


def idf(df: int, count: int) -> float:
    """Whoosh's idf (``Weighting.idf``)."""
    return math.log(count / (df + 1)) + 1


def quantized(length: int) -> int:
    """A field length as Whoosh stores it (one byte) and so scores with."""
    return byte_to_length(length_to_byte(length)) if length else 0


def saturated(tf, length, mean):
    """BM25's term frequency of ``tf`` occurrences in a field of ``length`` (the mean
    field length ``mean``), saturating with K1 and normalised with B; plain arithmetic,
    so numbers or numpy arrays alike."""
    return tf * (K1 + 1) / (tf + K1 * ((1 - B) + B * length / mean))
