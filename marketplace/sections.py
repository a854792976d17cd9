"""Sections that a higher feature contributes to a page of a lower one.

A page belongs to one feature, but part of what it shows may come from features above it
in the dependency order: an opportunity's page shows 揭榜 and Q&A (proposals) and
recommendations (matching); the proposal evaluation page shows matching's evidence. The
lower feature must not import the higher ones, so it declares a ``PageSections`` and the
app wires providers into it (``marketplace.web.register_page_sections``).

A provider is a plain function ``(obj, user) -> value`` that runs its queries in the
view, before the template renders. The view passes ``sections.gather(obj, user)``, a dict
name → value, to the template, which shows a section only when its name is in the dict:

* a provider returns None when it has nothing to show for ``obj`` (wrong kind, status);
* a provider that raises is logged and its section left out, so a broken search index
  hides the look-alike hint instead of breaking the listing page.
"""
from typing import Any, Callable

from flask import current_app

Provider = Callable[[Any, Any], Any]


class PageSections:
    """The named section providers of one page, in the order they were wired."""

    def __init__(self, page: str):
        self.page = page
        self._providers: dict[str, Provider] = {}

    def provide(self, name: str, provider: Provider) -> None:
        """Show ``provider(obj, user)`` as section ``name``. Wiring the same name again
        replaces the provider: the app factory may run more than once in a process."""
        self._providers[name] = provider

    def gather(self, obj, user) -> dict[str, Any]:
        shown = {}
        for name, provider in self._providers.items():
            try:
                value = provider(obj, user)
            except Exception:  # noqa: BLE001 - one section must not take the page down
                current_app.logger.exception("section %r of the %s failed", name, self.page)
                continue
            if value is not None:
                shown[name] = value
        return shown
