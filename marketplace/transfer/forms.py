"""Forms of the web import (the rules live in services)."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField

from marketplace.forms import choices
from marketplace.transfer.columns import KIND_LABELS


class ImportForm(FlaskForm):
    kind = RadioField("导入到", choices=choices(KIND_LABELS.items()), default="opportunity",
                      validate_choice=False)  # the service names a wrong kind
    file = FileField("清单文件", render_kw={"accept": ".xlsx,.csv"})


class ConfirmForm(FlaskForm):
    ticket = HiddenField()
