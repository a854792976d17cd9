"""write_atomically: the old content or the whole new one, never a stray temporary file."""
import stat

import pytest

from marketplace.files import write_atomically


def test_replaces_the_file_with_the_mode_asked_for(tmp_path):
    path = tmp_path / "cache.bin"
    path.write_bytes(b"old")
    write_atomically(path, b"new", mode=0o640, durable=True)
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["cache.bin"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "cache.bin"
    path.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_atomically(path, "not bytes")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["cache.bin"]
