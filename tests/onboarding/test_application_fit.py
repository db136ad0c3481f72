"""onboarding.fit: the ideal-partner-profile score and its explanation."""

from decimal import Decimal

from onboarding.fit import Applicant, ProfileTargets, score_fit

PROFILE = ProfileTargets(
    partner_types=frozenset({"msp", "mssp"}),
    partner_type_weight=30,
    regions=frozenset({"emea", "na"}),
    region_weight=20,
    specialisations=frozenset({"Cloud security", "Data"}),
    specialisation_weight=20,
    min_employees=20,
    max_employees=500,
    size_weight=10,
    certifications=frozenset({"ISO 27001"}),
    certification_weight=20,
)


def test_a_perfect_applicant_scores_100():
    fit = score_fit(
        PROFILE,
        Applicant(
            partner_type="msp",
            regions=frozenset({"emea", "na", "apac"}),
            specialisations=frozenset({"Cloud security", "Data"}),
            employees=120,
            certifications=frozenset({"iso 27001 "}),
        ),
    )

    assert fit.score == Decimal("100.0")
    assert [line["criterion"] for line in fit.breakdown] == [
        "partner_type",
        "regions",
        "specialisations",
        "certifications",
        "size",
    ]


def test_partial_matches_are_weighted_and_explained():
    fit = score_fit(
        PROFILE,
        Applicant(
            partner_type="var",
            regions=frozenset({"emea"}),
            specialisations=frozenset(),
            employees=5000,
            certifications=frozenset({"ISO 27001"}),
        ),
    )

    # type 0/30, regions 10/20, specialisations 0/20, certifications 20/20, size 0/10
    assert fit.score == Decimal("30.0")
    lines = {line["criterion"]: line for line in fit.breakdown}
    assert lines["regions"]["points"] == 10.0
    assert lines["regions"]["detail"] == "covers 1 of 2 targets"
    assert lines["size"]["detail"] == "5000 employees; the profile looks for 20–500 employees"
    assert lines["partner_type"]["detail"] == "not a type the program targets"


def test_unset_and_zero_weight_criteria_do_not_count():
    profile = ProfileTargets(
        partner_types=frozenset({"isv"}),
        partner_type_weight=50,
        regions=frozenset({"apac"}),
        region_weight=0,
        min_employees=100,
        size_weight=50,
    )

    fit = score_fit(profile, Applicant(partner_type="isv", employees=99))

    assert fit.score == Decimal("50.0")
    assert [line["criterion"] for line in fit.breakdown] == ["partner_type", "size"]
    assert fit.breakdown[1]["detail"] == (
        "99 employees; the profile looks for at least 100 employees"
    )


def test_an_empty_profile_scores_zero_without_lines():
    fit = score_fit(ProfileTargets(), Applicant(partner_type="msp", employees=10))

    assert fit.score == Decimal("0.0")
    assert fit.breakdown == []
