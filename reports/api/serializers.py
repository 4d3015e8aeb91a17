from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reports import kpis
from reports.kpi_registry import KPIS, Kpi
from reports.models import Report
from reports.selectors import PUBLIC_TABLES


def _kpi_field(kpi: Kpi) -> serializers.Field:
    if kpi.is_decimal:
        return serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    return serializers.IntegerField(read_only=True)


# One field per KPI of the registry, typed by its kind of number.
KpisSerializer = type(
    "ReportKpisSerializer",
    (serializers.Serializer,),
    {kpi.key: _kpi_field(kpi) for kpi in KPIS.values()},
)


@extend_schema_field(
    {
        "type": "object",
        "description": "Aggregate tables by name (rows with a `key` and their figures): "
        + ", ".join(f"`{name}`" for name in PUBLIC_TABLES)
        + ".",
        "additionalProperties": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
    }
)
class TablesField(serializers.Field):
    def to_representation(self, figures):
        tables = figures.get("tables", {})
        return {name: tables.get(name, []) for name in PUBLIC_TABLES}


class ReportSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    is_latest = serializers.BooleanField(read_only=True, help_text="No newer version of this period is finished.")
    kpis = serializers.SerializerMethodField()
    tables = TablesField(source="figures", read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "title",
            "period_start",
            "period_end",
            "version",
            "is_latest",
            "finished_at",
            "updated",
            "kpis",
            "tables",
        ]

    @extend_schema_field(KpisSerializer)
    def get_kpis(self, obj) -> dict:
        return KpisSerializer(kpis.headline(obj.figures)).data
