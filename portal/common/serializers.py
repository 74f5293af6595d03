"""Serializer helpers shared by the apps' APIs."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject


class PlannedRepresentation:
    """Output serializers that work out once per class how to represent an object, and then only do it.

    DRF builds a serializer's fields again for every instance (for a ``ModelSerializer``: model introspection,
    keyword arguments, validators, deep copies), and a dossier's detail nests five serializers: on an action's
    answer that was a sixth of the request. Here the fields are built and bound once, on a template instance of the
    class, and ``to_representation`` walks them as DRF does (``get_attribute``, ``None`` stays ``None``, then the
    field's ``to_representation``). Only a ``SerializerMethodField`` is called on the serializer at hand, so that its
    method sees this request's ``context``.

    For output only, and only where fields depend on the class alone (not on the instance, the data or the
    context). A serializer nested in one of these is shared too: its method fields must not read the context.
    ``fields`` itself (the OpenAPI schema, input) is DRF's, untouched.
    """

    def to_representation(self, instance):
        result = {}
        for name, field, method in self._representation_plan():
            if method is not None:
                result[name] = getattr(self, method)(instance)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            value = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            result[name] = None if value is None else field.to_representation(attribute)
        return result

    def _representation_plan(self) -> tuple:
        cls = type(self)
        plan = cls.__dict__.get("_plan")
        if plan is None:
            template = cls()  # its bound fields are the ones every instance of the class uses
            plan = tuple(
                (name, field, field.method_name if isinstance(field, serializers.SerializerMethodField) else None)
                for name, field in template.fields.items()
                if not field.write_only
            )
            cls._plan = plan
        return plan


class LocalDateTimeField(serializers.DateTimeField):
    """A moment shown in the portal's time zone (``TIME_ZONE``, Asia/Ho_Chi_Minh; no request activates another).

    DRF's own field asks Django for the current time zone for every value (a context-local lookup), and a dossier's
    detail shows dozens of moments."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default_timezone", ZoneInfo(settings.TIME_ZONE))
        super().__init__(*args, **kwargs)


class PortalModelSerializer(PlannedRepresentation, serializers.ModelSerializer):
    """Output ``ModelSerializer``: represented by a plan made once per class, moments in the portal's time zone."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: LocalDateTimeField,
    }
