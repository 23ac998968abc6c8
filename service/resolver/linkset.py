"""RFC 9264 linksets in the shape of GS1's gs1-linkset-schema.json."""

from __future__ import annotations

from typing import Any

from registry.links import vocabulary as voc
from registry.links.service import LinkSet, LinkView

LINKSET_MEDIA_TYPE = "application/linkset+json"
# GS1-Conformant Resolver 1.2 §6: the JSON-LD context that turns the linkset into RDF.
JSONLD_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
JSONLD_CONTEXT_LINK = (
    f'<{JSONLD_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
)


def _link_object(view: LinkView) -> dict[str, Any]:
    target: dict[str, Any] = {"href": view.href, "title": view.title}
    if view.media_type:
        target["type"] = view.media_type
    if view.language:
        target["hreflang"] = [view.language]
    return target


def build_linkset(*, anchor: str, item_description: str, links: LinkSet) -> dict[str, Any]:
    """One context object for the requested entity: its one default link (href and
    title only, as the standard asks), then every link type in force."""
    context: dict[str, Any] = {"anchor": anchor, "itemDescription": item_description}
    context[voc.term_uri(voc.DEFAULT_LINK)] = [
        {"href": links.default.href, "title": links.default.title}
    ]
    for link_type in sorted(links.by_type):
        views = links.by_type[link_type]
        if views:
            context[voc.term_uri(link_type)] = [_link_object(view) for view in views]
    return {"linkset": [context]}


def linkset_link_header(url: str) -> str:
    """The Link header a redirect carries so clients can find the whole linkset."""
    return f'<{url}>; rel="linkset"; type="{LINKSET_MEDIA_TYPE}"'
