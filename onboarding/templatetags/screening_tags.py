"""The application page's due-diligence panel reads its data here, so the applications
view needs no change."""

from django import template

from onboarding import screening_selectors
from onboarding.screening_forms import DecisionForm

register = template.Library()


@register.simple_tag(takes_context=True)
def application_screening(context, application) -> dict:
    request = context["request"]
    panel = screening_selectors.application_panel(tenant=request.tenant, application=application)
    panel["decision_form"] = DecisionForm()
    return panel
