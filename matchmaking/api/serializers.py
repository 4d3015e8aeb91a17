"""Serializers of matchmaking's partner API."""

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from companies.api.serializers import OrganisationRefSerializer
from matchmaking.models.matches import Match


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A match",
            value={
                "id": 1201,
                "organisation": {"id": 42, "name": "Beispiel Sensorik GmbH", "kind": "company", "city": "Dresden"},
                "partner": {"id": 77, "name": "Klinikum Beispielstadt", "kind": "clinic", "city": "Leipzig"},
                "rank": 0,
                "score": 0.71,
                "components": {"text": 0.82, "structure": 0.6, "fit": 0.7, "feedback": 0.0},
                "reasons": "bietet „MEMS-Drucksensor“ ↔ sucht „Sensorik für Infusionspumpen“ · beide in Sachsen",
                "pinned": False,
            },
        )
    ]
)
class MatchSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)
    partner = OrganisationRefSerializer(read_only=True)
    components = serializers.SerializerMethodField()
    reasons = serializers.SerializerMethodField()

    class Meta:
        model = Match
        fields = ["id", "organisation", "partner", "rank", "score", "components", "reasons", "pinned"]

    def get_components(self, obj) -> dict[str, float]:
        return {name: round(value, 4) for name, value in obj.components.items()}

    def get_reasons(self, obj) -> str:
        return self.context.get("reasons", {}).get(obj.pk, "")
