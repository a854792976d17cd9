"""Bulk import and export of list files (.xlsx, .csv, .jsonl) from the command line.

``columns`` is the one column table; ``readers``/``writers`` handle the file formats;
``importer`` turns rows into listings through the normal services (and can publish them as
a release); ``exporter`` reads listings back into rows. The package sits above
``opportunities``, ``products`` and ``releases`` (it calls their services), like ``admin``.
"""
