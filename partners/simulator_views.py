"""The what-if simulator: edit a draft of the tier rules, see who would move, publish."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecosystem.errors import ValidationFailed
from ecosystem.permissions import requires

from . import tiers
from .metrics import available_metrics
from .models import Comparator, RequirementMode, TierRuleDraft


def _draft(request, pk):
    return get_object_or_404(
        TierRuleDraft.objects.for_tenant(request.tenant).filter(
            created_by=request.user, published_at__isnull=True, discarded_at__isnull=True
        ),
        pk=pk,
    )


def _rules_from_post(post, draft_rules: dict) -> dict:
    """Rebuild the draft's JSON from the form: each tier's mode and count, each
    requirement's metric, comparator, threshold and window (blank metric = removed)."""
    tiers_out = []
    for index, tier in enumerate(draft_rules.get("tiers", [])):
        prefix = f"t{index}"
        count = post.get(f"{prefix}-required_count", "")
        requirements = []
        rows = int(post.get(f"{prefix}-rows", 0) or 0)
        for row in range(min(rows, 20)):
            key = f"{prefix}-r{row}"
            metric = post.get(f"{key}-metric", "")
            if not metric:
                continue
            window = post.get(f"{key}-window_days", "")
            requirements.append(
                {
                    "metric": metric,
                    "comparator": post.get(f"{key}-comparator", Comparator.GTE),
                    "threshold": post.get(f"{key}-threshold", ""),
                    "window_days": int(window) if window.isdigit() else None,
                    "parameter": post.get(f"{key}-parameter", ""),
                }
            )
        tiers_out.append(
            {
                "id": tier["id"],
                "requirement_mode": post.get(f"{prefix}-requirement_mode", RequirementMode.ALL),
                "required_count": int(count) if count.isdigit() else None,
                "requirements": requirements,
            }
        )
    return {"tiers": tiers_out}


def _context(request, draft, rules_json, simulation=None, errors=None):
    names = {t["id"]: (t.get("name"), t.get("rank")) for t in draft.rules.get("tiers", [])}
    rows = []
    for index, tier in enumerate(rules_json.get("tiers", [])):
        requirements = list(tier.get("requirements", []))
        rows.append(
            {
                "index": index,
                "id": tier["id"],
                "name": names.get(tier["id"], ("", ""))[0],
                "mode": tier.get("requirement_mode"),
                "required_count": tier.get("required_count"),
                # one empty row to add a requirement
                "requirements": [*requirements, {"metric": "", "comparator": "gte"}],
            }
        )
    return {
        "draft": draft,
        "tiers": rows,
        "metrics": available_metrics(),
        "comparators": Comparator.choices,
        "modes": RequirementMode.choices,
        "simulation": simulation,
        "errors": errors or {},
    }


@requires("tiers.manage")
def simulator(request):
    draft = tiers.open_draft(tenant=request.tenant, actor=request.user)
    return redirect("partners:simulator_draft", pk=draft.pk)


@requires("tiers.manage")
def simulator_draft(request, pk):
    draft = _draft(request, pk)
    rules_json, simulation, errors = draft.rules, None, None
    if request.method == "POST":
        rules_json = _rules_from_post(request.POST, draft.rules)
        try:
            for tier in rules_json["tiers"]:
                for requirement in tier["requirements"]:
                    Decimal(str(requirement["threshold"]))
            rules = tiers.save_draft(
                tenant=request.tenant, actor=request.user, draft=draft, data=rules_json
            )
        except InvalidOperation:
            errors = {"threshold": [_("Thresholds must be numbers.")]}
        except ValidationFailed as error:
            errors = error.as_dict()
        else:
            simulation = tiers.simulate(tenant=request.tenant, rules=rules)
            rules_json = draft.rules
    elif request.GET.get("run"):
        rules = tiers.rules_from_json(tenant=request.tenant, data=draft.rules)
        simulation = tiers.simulate(tenant=request.tenant, rules=rules)
    template = (
        "partners/simulator/_results.html"
        if request.htmx and simulation is not None
        else "partners/simulator/page.html"
    )
    return render(request, template, _context(request, draft, rules_json, simulation, errors))


@requires("tiers.manage")
@require_POST
def simulator_publish(request, pk):
    draft = _draft(request, pk)
    summary = tiers.publish_draft(tenant=request.tenant, actor=request.user, draft=draft)
    moved = sum(summary.changes.values())
    messages.success(
        request,
        _("The new tier rules are live. %(n)s partners were re-evaluated; %(moved)s changed.")
        % {"n": summary.evaluated, "moved": moved},
    )
    return redirect("partners:simulator")


@requires("tiers.manage")
@require_POST
def simulator_discard(request, pk):
    draft = _draft(request, pk)
    tiers.discard_draft(tenant=request.tenant, actor=request.user, draft=draft)
    messages.info(request, _("The draft was discarded; the published rules are unchanged."))
    return redirect("partners:simulator")
