"""Unbound extension objects, initialised in create_app(); Flask-Migrate on first use."""
from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from marketplace.config import INSTANCE_DIR
from marketplace.db import metadata

db = SQLAlchemy(metadata=metadata)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits per client address by default; each limited route names its own (config.py).
limiter = Limiter(key_func=get_remote_address)


def init_migrate(app: Flask) -> None:
    """Flask-Migrate for ``app``, set up when migrations are used (``flask db …``,
    ``upgrade_database``) rather than in create_app: importing Alembic is a tenth of a
    second of every web process's start."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(INSTANCE_DIR.parent / "migrations"),
                compare_type=True, render_as_batch=True)


def upgrade_database(app: Flask) -> None:
    """Apply every migration to ``app``'s database (call inside its app context)."""
    from flask_migrate import upgrade

    init_migrate(app)
    upgrade()
