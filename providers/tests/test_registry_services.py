"""The registry's service layer: derived size band, org-id rules, search document, training."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from partnership.errors import NotPermitted
from partnership.models import Pdu, Role, ServiceCategory
from partnership.tests.factories import UserFactory
from providers import selectors, services
from providers.models import Organisation, Service, SizeBand, TrainingRecord
from providers.tests.factories import OrganisationFactory, admin_of
from providers.validators import validate_org_id

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("income", "band"),
    [
        (None, SizeBand.UNKNOWN),
        (0, SizeBand.MICRO),
        (9_999, SizeBand.MICRO),
        (10_000, SizeBand.SMALL),
        (99_999, SizeBand.SMALL),
        (100_000, SizeBand.MEDIUM),
        (999_999, SizeBand.MEDIUM),
        (1_000_000, SizeBand.LARGE),
        (10_000_000, SizeBand.MAJOR),
        (100_000_000, SizeBand.SUPER_MAJOR),
    ],
)
def test_size_band_is_derived_from_income_by_the_database(income, band):
    organisation = OrganisationFactory(annual_income=income)
    organisation.refresh_from_db()
    assert organisation.size_band == band


@pytest.mark.parametrize(
    "value",
    [
        "",
        "GB-CHC-1234567",
        "GB-CHC-123456",
        "GB-COH-01234567",
        "GB-COH-SC123456",
        "GB-SC-SC012345",
        "GB-NIC-100123",
    ],
)
def test_valid_org_ids(value):
    validate_org_id(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("GB-CHC-12", "Charity Commission"),
        ("GB-COH-1234567", "leading zeros"),
        ("GB-SC-012345", "Scottish"),
        ("GB-XYZ-123", "starts GB-CHC-"),
        ("1234567", "starts GB-CHC-"),
    ],
)
def test_invalid_org_ids_say_what_is_expected(value, message):
    with pytest.raises(ValidationError, match=message):
        validate_org_id(value)


def test_org_ids_are_unique_but_unregistered_groups_may_share_a_blank():
    OrganisationFactory(org_id="")
    OrganisationFactory(org_id="")
    OrganisationFactory(org_id="GB-CHC-1111111")
    with pytest.raises(IntegrityError):
        OrganisationFactory(org_id="GB-CHC-1111111")


def test_changing_identity_of_a_verified_organisation_needs_verifying_again():
    organisation = OrganisationFactory(verification_status=Organisation.Verification.VERIFIED)
    admin = admin_of(organisation)
    services.organisation_update(
        organisation=organisation, by=admin, data={"description": "New words"}
    )
    assert organisation.verification_status == Organisation.Verification.VERIFIED
    services.organisation_update(organisation=organisation, by=admin, data={"name": "A new name"})
    assert organisation.verification_status == Organisation.Verification.UNVERIFIED


def test_an_invalid_profile_change_saves_nothing():
    organisation = OrganisationFactory(name="Before", org_id="GB-CHC-2222222")
    with pytest.raises(ValidationError):
        services.organisation_update(
            organisation=organisation,
            by=admin_of(organisation),
            data={"name": "After", "org_id": "GB-CHC-1"},
        )
    organisation.refresh_from_db()
    assert organisation.name == "Before"


def _service(
    organisation,
    name="Service",
    description="Support.",
    slugs=("accommodation",),
    pdus=("Manchester North",),
    **data,
):
    return services.service_create(
        organisation=organisation,
        by=admin_of(organisation),
        data={
            "name": name,
            "description": description,
            "delivery_settings": ["community"],
            "monthly_capacity": 10,
            **data,
        },
        categories=ServiceCategory.objects.filter(slug__in=slugs),
        pdus=Pdu.objects.filter(name__in=pdus),
    )


def test_search_finds_a_service_by_its_category_s_other_names():
    organisation = OrganisationFactory()
    accommodation = _service(organisation, name="Move on", description="Help after release.")
    _service(organisation, name="Jobs club", slugs=("education-training-employment",))
    results = selectors.service_search(
        user=UserFactory(), filters=selectors.DirectoryFilters(q="housing")
    )
    assert list(results) == [accommodation]


def test_a_renamed_organisation_is_found_by_its_new_name():
    organisation = OrganisationFactory(name="Old Name Trust")
    service = _service(organisation)
    services.organisation_update(
        organisation=organisation, by=admin_of(organisation), data={"name": "Brightwater Trust"}
    )
    results = selectors.service_search(
        user=UserFactory(), filters=selectors.DirectoryFilters(q="Brightwater")
    )
    assert list(results) == [service]


def test_a_service_needs_a_category_and_a_pdu_and_ages_in_order():
    organisation = OrganisationFactory()
    with pytest.raises(ValidationError) as error:
        _service(organisation, slugs=(), pdus=(), minimum_age=30, maximum_age=25)
    assert set(error.value.message_dict) >= {"categories", "pdus", "maximum_age"}
    assert not Service.objects.exists()


def test_negative_capacity_is_refused():
    with pytest.raises(ValidationError) as error:
        _service(OrganisationFactory(), monthly_capacity=-1)
    assert "monthly_capacity" in error.value.message_dict


def test_closed_services_are_hidden_except_from_their_own_organisation():
    organisation = OrganisationFactory()
    closed = _service(organisation, status=Service.Status.CLOSED)
    outsider = UserFactory()
    staff = UserFactory(role=Role.CASEWORKER, organisation=organisation)
    assert closed not in selectors.service_list_visible_to(user=outsider)
    assert closed in selectors.service_list_visible_to(user=staff)


def test_current_risk_training_is_derived_from_records():
    today = timezone.localdate()
    staff = UserFactory(role=Role.CASEWORKER)
    assert not selectors.user_has_current_risk_training(user=staff)
    TrainingRecord.objects.create(
        staff_member=staff,
        kind=TrainingRecord.Kind.RISK_AWARENESS,
        completed_on=today - timedelta(days=400),
        expires_on=today - timedelta(days=35),
    )
    assert not selectors.user_has_current_risk_training(user=staff)
    TrainingRecord.objects.create(
        staff_member=staff,
        kind=TrainingRecord.Kind.SAFEGUARDING,
        completed_on=today - timedelta(days=1),
    )
    assert not selectors.user_has_current_risk_training(user=staff)
    TrainingRecord.objects.create(
        staff_member=staff,
        kind=TrainingRecord.Kind.RISK_AWARENESS,
        completed_on=today - timedelta(days=10),
        expires_on=today + timedelta(days=355),
    )
    assert selectors.user_has_current_risk_training(user=staff)
    assert not selectors.user_has_current_risk_training(user=staff, on=today + timedelta(days=356))


def test_training_cannot_expire_before_it_was_completed():
    today = timezone.localdate()
    caseworker = UserFactory(role=Role.CASEWORKER)
    with pytest.raises(ValidationError):
        services.training_record_add(
            staff_member=caseworker,
            by=admin_of(caseworker.organisation),
            kind=TrainingRecord.Kind.RISK_AWARENESS,
            completed_on=today,
            expires_on=today - timedelta(days=1),
        )


def test_deactivating_staff_revokes_their_tokens_and_admins_cannot_deactivate_themselves():
    from partnership.tests.factories import issue_token

    admin = UserFactory(role=Role.PROVIDER_ADMIN)
    staff = UserFactory(role=Role.CASEWORKER, organisation=admin.organisation)
    token, _ = issue_token(staff)
    services.staff_set_active(staff_member=staff, active=False, by=admin)
    token.refresh_from_db()
    assert token.revoked_at is not None and not staff.is_active
    with pytest.raises(NotPermitted):
        services.staff_set_active(staff_member=admin, active=False, by=admin)
    admin.refresh_from_db()
    assert admin.is_active


def test_only_the_own_admin_can_sign_the_agreement():
    services.agreement_publish(version="9.9", title="Agreement", body="Text")
    organisation = OrganisationFactory()
    other_admin = UserFactory(role=Role.PROVIDER_ADMIN)
    with pytest.raises(NotPermitted):
        services.agreement_sign(
            organisation=organisation, by=other_admin, signatory_name="X", signatory_position="Y"
        )
    admin = UserFactory(role=Role.PROVIDER_ADMIN, organisation=organisation)
    services.agreement_sign(
        organisation=organisation, by=admin, signatory_name="A", signatory_position="CEO"
    )
    assert selectors.organisation_has_signed_current_agreement(organisation=organisation)
    services.agreement_publish(version="10.0", title="Agreement", body="New text")
    assert not selectors.organisation_has_signed_current_agreement(organisation=organisation)
