"""The search fixtures (a fresh index per test, ``sync``) serve the sync tests too."""
from tests.search.conftest import engine, index, sync  # noqa: F401
