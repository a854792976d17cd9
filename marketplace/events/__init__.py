"""供需对接会: events where demand and supply participants meet 1:1 at tables.

``scheduler`` builds the meeting schedule (pure Python, no database and no Flask: the web
feature and ``benchmarks/scheduler.py`` call the same function); ``bmatching`` and
``colouring`` are its two algorithms. This package imports nothing else of ours.
"""
