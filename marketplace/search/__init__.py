"""Chinese full-text search: the text pipeline, the Whoosh index (a rebuildable projection
of published listings fed by an outbox), keyword search and candidate retrieval.

This is the only package that imports whoosh.
"""
