"""ecosystem.pdf: HTML to PDF with WeasyPrint, offline."""

import pytest

from ecosystem.pdf import html_to_pdf, render_pdf


def test_html_becomes_a_pdf():
    pdf = html_to_pdf("<h1>Partner agreement</h1><p>Between the parties.</p>")

    assert pdf.startswith(b"%PDF-")


def test_network_resources_are_never_fetched(caplog):
    pdf = html_to_pdf('<img src="https://example.com/logo.png"><p>Text</p>')

    assert pdf.startswith(b"%PDF-")
    assert "disallowed protocol" in caplog.text


@pytest.mark.django_db
def test_a_template_renders_to_pdf(settings, tmp_path):
    (tmp_path / "letter.html").write_text("<p>Dear {{ name }}</p>")
    settings.TEMPLATES = [
        {"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [tmp_path]}
    ]

    assert render_pdf("letter.html", {"name": "Northwind"}).startswith(b"%PDF-")
