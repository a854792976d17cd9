"""WTForms of the events feature, one section per part."""
from flask_wtf import FlaskForm  # noqa: F401
from wtforms import (  # noqa: F401
    BooleanField, DateTimeLocalField, HiddenField, IntegerField, SelectField,
    SelectMultipleField, StringField, TextAreaField)

# --- events and registration ------------------------------------------------------------


# --- 1:1 meetings -----------------------------------------------------------------------


# --- check-in and roadshow --------------------------------------------------------------


# --- outcomes ---------------------------------------------------------------------------
