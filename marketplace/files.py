"""Files written so that a reader sees either the old content or the whole new one."""
import os
import tempfile
from pathlib import Path


def write_atomically(path, data: bytes, mode: int = 0o644, durable: bool = False) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it over ``path``; the
    temporary file is removed if anything fails. ``durable`` also syncs it to disk first
    (uploads; not caches that can be rebuilt)."""
    path = Path(path)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            os.fchmod(handle.fileno(), mode)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
