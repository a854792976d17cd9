"""Loading reference and demo data from seed/ through the same services as the UI."""
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent.parent.parent / "seed"
