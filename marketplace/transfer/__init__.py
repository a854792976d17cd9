"""Bulk import and export of list files (.xlsx, .csv, .jsonl) from the command line.

``columns`` is the list files' column table (and the ``Schema`` a reader is given);
``readers``/``writers`` handle the file formats;
``importer`` turns rows into listings through the normal services (and can publish them as
a release); ``exporter`` reads listings back into rows; ``designations`` reads the 十百千
designation sheets districts keep (same readers, its own columns) into designations. The
package sits above ``opportunities``, ``products``, ``releases`` and ``demonstrations`` (it
calls their services), like ``admin``.
"""
