"""What opportunities (机会清单) and products (产品清单) share: columns, workflow, revisions.

The two feature packages define their own models, forms and blueprints on top of this.
"""
