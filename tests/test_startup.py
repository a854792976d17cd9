"""What a new web process loads: libraries only some commands need stay out of it."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_web_process_does_not_import_alembic_openpyxl_or_pkg_resources(process_env):
    """Flask-Migrate is set up on first use (``flask db``), openpyxl imported when a sheet
    is written, and jieba imported without pkg_resources: each was ~0.1 s of a worker's
    cold start (benchmarks/README.md)."""
    names = ("alembic", "flask_migrate", "openpyxl", "pkg_resources")
    code = ("import sys; from marketplace import create_app; create_app(); "
            f"print(*(name in sys.modules for name in {names!r}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=process_env, check=True,
                         capture_output=True, text=True).stdout
    assert out.split() == ["False"] * len(names)
