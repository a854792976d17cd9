from wtforms import RadioField, StringField, TextAreaField

from marketplace.forms import choices
from marketplace.listings.forms import ListingForm
from marketplace.products.models import MATURITIES


class ProductForm(ListingForm):
    title = StringField("产品名称", render_kw={"maxlength": 100})
    scenarios = TextAreaField("适用场景", render_kw={"rows": 3, "maxlength": 2000})
    maturity = RadioField("成熟度", choices=choices((m, m) for m in MATURITIES), validate_choice=False)
    cases = TextAreaField("应用案例", render_kw={"rows": 4, "maxlength": 5000})
