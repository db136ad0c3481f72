"""How well an application fits the tenant's ideal partner profile, explained.

Pure logic: `score_fit(profile, applicant)` takes plain values and returns a score in
[0, 100] with one line per criterion. Each criterion the profile sets (a non-empty target)
counts with its weight; the score is the weighted share of what matched:

- partner type: 1 when the applicant's type is one the profile wants;
- regions, specialisations, certifications: the share of the profile's targets the
  applicant covers ("2 of 3 target regions");
- company size: 1 inside the profile's employee range, else 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ProfileTargets:
    partner_types: frozenset[str] = frozenset()
    partner_type_weight: int = 0
    regions: frozenset[str] = frozenset()
    region_weight: int = 0
    specialisations: frozenset[str] = frozenset()  # names
    specialisation_weight: int = 0
    min_employees: int | None = None
    max_employees: int | None = None
    size_weight: int = 0
    certifications: frozenset[str] = frozenset()  # names, compared case-insensitively
    certification_weight: int = 0


@dataclass(frozen=True)
class Applicant:
    partner_type: str
    regions: frozenset[str] = frozenset()
    specialisations: frozenset[str] = frozenset()
    employees: int = 0
    certifications: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Fit:
    score: Decimal
    breakdown: list[dict] = field(default_factory=list)


def _share(wanted: frozenset[str], held: frozenset[str]) -> tuple[float, int]:
    covered = len(wanted & held)
    return covered / len(wanted), covered


def _casefolded(names: frozenset[str]) -> frozenset[str]:
    return frozenset(name.strip().casefold() for name in names if name.strip())


def _size_range(targets: ProfileTargets) -> str:
    low, high = targets.min_employees, targets.max_employees
    if low is not None and high is not None:
        return _("%(low)s–%(high)s employees") % {"low": low, "high": high}
    if low is not None:
        return _("at least %(low)s employees") % {"low": low}
    return _("at most %(high)s employees") % {"high": high}


def score_fit(targets: ProfileTargets, applicant: Applicant) -> Fit:
    lines: list[dict] = []

    def add(code: str, label: str, weight: int, matched: float, detail: str) -> None:
        if weight > 0:
            lines.append(
                {
                    "criterion": code,
                    "label": label,
                    "weight": weight,
                    "matched": round(matched, 3),
                    "points": round(weight * matched, 1),
                    "detail": detail,
                }
            )

    if targets.partner_types:
        matched = 1.0 if applicant.partner_type in targets.partner_types else 0.0
        add(
            "partner_type",
            _("Partner type"),
            targets.partner_type_weight,
            matched,
            _("a type the program looks for") if matched else _("not a type the program targets"),
        )
    for code, label, wanted, held, weight in (
        ("regions", _("Regions"), targets.regions, applicant.regions, targets.region_weight),
        (
            "specialisations",
            _("Specialisations"),
            targets.specialisations,
            applicant.specialisations,
            targets.specialisation_weight,
        ),
        (
            "certifications",
            _("Certifications"),
            _casefolded(targets.certifications),
            _casefolded(applicant.certifications),
            targets.certification_weight,
        ),
    ):
        if wanted:
            share, covered = _share(wanted, held)
            add(
                code,
                label,
                weight,
                share,
                _("covers %(covered)s of %(wanted)s targets")
                % {"covered": covered, "wanted": len(wanted)},
            )
    if targets.min_employees is not None or targets.max_employees is not None:
        low = targets.min_employees if targets.min_employees is not None else 0
        high = targets.max_employees
        inside = applicant.employees >= low and (high is None or applicant.employees <= high)
        add(
            "size",
            _("Company size"),
            targets.size_weight,
            1.0 if inside else 0.0,
            _("%(employees)s employees; the profile looks for %(range)s")
            % {"employees": applicant.employees, "range": _size_range(targets)},
        )
    total = sum(line["weight"] for line in lines)
    if not total:
        return Fit(Decimal("0.0"), [])
    earned = sum(line["weight"] * line["matched"] for line in lines)
    score = (Decimal(str(earned)) * 100 / total).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return Fit(min(score, Decimal("100.0")), lines)
