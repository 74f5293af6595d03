from rest_framework import serializers

from communes.models import Commune, FormerUnit, ServiceCentre


class CentreBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceCentre
        fields = ["name", "agency_code", "address", "phone", "opening_hours", "is_placeholder"]


class CommuneSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    former_province_label = serializers.CharField(source="get_former_province_display", read_only=True)

    class Meta:
        model = Commune
        fields = ["code", "name", "kind", "kind_label", "slug", "former_province", "former_province_label"]


class FormerUnitSerializer(serializers.ModelSerializer):
    former_province_label = serializers.CharField(source="get_former_province_display", read_only=True)

    class Meta:
        model = FormerUnit
        fields = ["code", "name", "district_name", "former_province", "former_province_label"]


class CommuneDetailSerializer(CommuneSerializer):
    former_units = FormerUnitSerializer(many=True, read_only=True)
    centre = CentreBriefSerializer(read_only=True)
    processing_unit = serializers.CharField(source="committee.name", read_only=True, default=None, allow_null=True)

    class Meta(CommuneSerializer.Meta):
        fields = [*CommuneSerializer.Meta.fields, "former_units", "centre", "processing_unit"]


class CentreSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    commune = CommuneSerializer(read_only=True, allow_null=True)  # null for the provincial centre and its branches
    parent = serializers.CharField(source="parent.agency_code", read_only=True, default=None, allow_null=True)

    class Meta:
        model = ServiceCentre
        fields = [
            "agency_code",
            "name",
            "kind",
            "kind_label",
            "commune",
            "parent",
            "former_province",
            "address",
            "phone",
            "opening_hours",
            "is_placeholder",
        ]


class CandidateSerializer(serializers.Serializer):
    commune = CommuneSerializer()
    former_unit = FormerUnitSerializer(allow_null=True)


class ConvertedAddressSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["matched", "ambiguous"])
    input_type = serializers.CharField()
    commune = CommuneSerializer(allow_null=True)
    former_unit = FormerUnitSerializer(allow_null=True)
    candidates = serializers.SerializerMethodField()
    confidence = serializers.FloatField()
    match_level = serializers.CharField(allow_null=True)
    street_address = serializers.CharField(allow_blank=True)
    mapping_version = serializers.CharField(allow_null=True)

    def get_candidates(self, obj) -> list[dict]:
        return [
            {
                "commune": CommuneSerializer(commune).data,
                "former_unit": FormerUnitSerializer(former_unit).data if former_unit else None,
            }
            for commune, former_unit in obj.candidates
        ]
