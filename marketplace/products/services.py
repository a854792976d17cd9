"""Changes to products: the shared listing workflow plus the fields only they have."""
from marketplace.listings import services as listing_services
from marketplace.products.models import MATURITIES, Product
from marketplace.validators import choice, text


def clean_specific(checks, data: dict) -> None:
    checks.run("scenarios", text, data, "scenarios", "适用场景", 2000, False)
    checks.run("maturity", choice, data, "maturity", "成熟度", MATURITIES)
    checks.run("cases", text, data, "cases", "应用案例", 5000, False)


def create(actor, data: dict, organization=None) -> Product:
    """Create a draft product for the actor's enterprise or institute (or, for an admin's
    import, for ``organization``). Raises PermissionDenied or ValidationError."""
    return listing_services.create_listing(actor, Product, data, clean_specific, organization)


def update(actor, item: Product, data: dict):
    """Edit a product (see ``listings.services.update_listing`` for the rules)."""
    return listing_services.update_listing(actor, item, data, clean_specific)
