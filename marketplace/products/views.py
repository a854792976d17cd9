"""产品清单 routes: the shared listing routes for products."""
from marketplace.listings.views import build_blueprint
from marketplace.products import services
from marketplace.products.forms import ProductForm
from marketplace.products.models import Product

bp = build_blueprint(Product, services, ProductForm, __name__)
