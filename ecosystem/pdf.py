"""Every PDF the product makes: a Django template rendered to HTML, then to PDF by WeasyPrint.

Templates reference images and fonts by `file://` path or `data:` URL; nothing is fetched
from the network (the URL fetcher allows only those two), so rendering is offline and
deterministic.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of an HTML document."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    offline = URLFetcher(allowed_protocols={"file", "data"})
    return HTML(string=html, url_fetcher=offline, base_url=".").write_pdf()


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """PDF bytes of a Django template rendered with `context`."""
    return html_to_pdf(render_to_string(template_name, context))
