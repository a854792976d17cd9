from wtforms import RadioField, StringField, TextAreaField

from marketplace.forms import choices, limited
from marketplace.listings.forms import ListingForm
from marketplace.products.models import MATURITIES


class ProductForm(ListingForm):
    title = StringField("产品名称", render_kw={"maxlength": 100})
    scenarios = TextAreaField("适用场景", **limited(2000, rows=3))
    maturity = RadioField("成熟度", choices=choices((m, m) for m in MATURITIES), validate_choice=False)
    cases = TextAreaField("应用案例", **limited(5000, rows=4))
