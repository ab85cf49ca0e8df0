"""The `organisations` and `services` resources.

The services' refusals (`partnership.errors`, Django's ValidationError) reach the client
through the API's exception handler (`partnership.api.exceptions.as_api_exception`)."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from partnership.api.pagination import counted_in_rows
from partnership.api.scoping import UserScopedViewMixin
from partnership.models import Pdu, User
from providers import rules, selectors, services
from providers.api import serializers
from providers.filters import (
    OrganisationFilter,
    ServiceFilter,
    directory_filters,
    service_list_parameters,
)
from providers.models import Organisation, Service


class OrganisationViewSet(
    UserScopedViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Organisation profiles: readable by every signed-in user; service support registers
    organisations; only an organisation's own admins change it (anyone else gets 404)."""

    model = Organisation
    filterset_class = OrganisationFilter

    def scoped_queryset(self, user):
        if self.request.method in SAFE_METHODS:
            return selectors.organisation_list_visible_to(user=user).order_by("name", "pk")
        return selectors.organisation_list_editable_by(user=user)

    def get_serializer_class(self):
        return (
            serializers.OrganisationSerializer
            if self.request.method in SAFE_METHODS
            else serializers.OrganisationInputSerializer
        )

    @extend_schema(
        request=serializers.OrganisationInputSerializer,
        responses={201: serializers.OrganisationSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Register an organisation (service support only)."""
        incoming = serializers.OrganisationInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        organisation = services.organisation_create(by=request.user, data=incoming.validated_data)
        return Response(
            serializers.OrganisationSerializer(organisation).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=serializers.OrganisationInputSerializer,
        responses=serializers.OrganisationSerializer,
    )
    def update(self, request, *args, **kwargs):
        organisation = self.get_object()
        partial = kwargs.pop("partial", False)
        incoming = serializers.OrganisationInputSerializer(
            organisation, data=request.data, partial=partial
        )
        incoming.is_valid(raise_exception=True)
        organisation = services.organisation_update(
            organisation=organisation, by=request.user, data=incoming.validated_data
        )
        return Response(serializers.OrganisationSerializer(organisation).data)

    @extend_schema(
        request=serializers.OrganisationInputSerializer,
        responses=serializers.OrganisationSerializer,
    )
    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)


class ServiceViewSet(
    UserScopedViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Services, filtered like the directory (`q` searches them). Only an organisation's
    own admins add or change its services; anyone else gets 404 on a change."""

    model = Service
    filterset_class = ServiceFilter

    def scoped_queryset(self, user):
        if self.request.method in SAFE_METHODS:
            queryset = selectors.service_list_visible_to(user=user).order_by("name", "pk")
        else:
            queryset = selectors.service_list_editable_by(user=user)
        return queryset.prefetch_related(Prefetch("pdus", queryset=Pdu.objects.only("id")))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return queryset.prefetch_related(Prefetch("pdus", queryset=Pdu.objects.only("id")))

    # No docstring: the schema describes the list by the class's.
    def list(self, request, *args, **kwargs):
        # Rows, not objects, and the filter set's fields rather than a filter set per request
        # (the filter set still describes the parameters in the schema).
        parameters = service_list_parameters(request.query_params, look_up=False)
        filters = directory_filters(parameters)
        services = selectors.service_search(user=request.user, filters=filters)
        if parameters.get("status"):
            services = services.filter(status=parameters["status"])
        rows = selectors.service_rows(services)
        if filters.q.strip():
            # Ranked: every match is read to order them, so counting them there is free.
            rows = counted_in_rows(rows)
        # Nothing found: an unknown category, PDU or region is a 400, not an empty list.
        try:
            page = self.paginate_queryset(rows)
        except NotFound:
            service_list_parameters(request.query_params, look_up=True)
            raise
        if not page:
            service_list_parameters(request.query_params, look_up=True)
        return self.get_paginated_response(serializers.service_representations(page))

    def get_serializer_class(self):
        return (
            serializers.ServiceSerializer
            if self.request.method in SAFE_METHODS
            else serializers.ServiceInputSerializer
        )

    def _write(self, save):
        service = save()
        service = self.scoped_queryset(self.request.user).get(pk=service.pk)
        return serializers.ServiceSerializer(service).data

    @extend_schema(
        request=serializers.ServiceInputSerializer, responses={201: serializers.ServiceSerializer}
    )
    def create(self, request, *args, **kwargs):
        user = request.user
        # Anyone but an organisation's admins is refused (403) before what they sent is read.
        rules.require(user, "manage_services", user.organisation)
        incoming = serializers.ServiceInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        categories, pdus = data.pop("categories"), data.pop("pdus")
        body = self._write(
            lambda: services.service_create(
                organisation=user.organisation,
                by=user,
                data=data,
                categories=categories,
                pdus=pdus,
            )
        )
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.ServiceInputSerializer, responses=serializers.ServiceSerializer
    )
    def update(self, request, *args, **kwargs):
        service = self.get_object()
        partial = kwargs.pop("partial", False)
        incoming = serializers.ServiceInputSerializer(service, data=request.data, partial=partial)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        categories, pdus = data.pop("categories", None), data.pop("pdus", None)
        if partial is False:
            data.setdefault("maximum_age", None)
        return Response(
            self._write(
                lambda: services.service_update(
                    service=service, by=request.user, data=data, categories=categories, pdus=pdus
                )
            )
        )

    @extend_schema(
        request=serializers.ServiceInputSerializer, responses=serializers.ServiceSerializer
    )
    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)


class StaffViewSet(
    UserScopedViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Your organisation's staff with their risk-training status, to choose who to assign a
    referral to (provider admins; anyone else sees none)."""

    model = User
    serializer_class = serializers.StaffMemberSerializer

    def scoped_queryset(self, user):
        return selectors.staff_list_for(user=user)
