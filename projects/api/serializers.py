"""What the partner API shows of the projects app. Field lists are explicit: a new model field
(a note, a staff member, a confidential name) stays internal until someone decides to add it here.
Workshops come without participants or contact persons; investment projects without code name,
notes, reason lost, milestone notes, staff or partner organisations, and without the investor's
identity when it is confidential (redacted in projects.selectors.public_investment_projects)."""

import datetime

from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from companies.api.serializers import SectorRefSerializer, TechnologyFieldRefSerializer
from projects.choices import FigureProvenance, InvestmentKind, MilestoneKind
from projects.filtersets import PUBLIC_INVESTMENT_STAGE_CHOICES, PUBLIC_WORKSHOP_STATE_CHOICES
from projects.models import InvestmentMilestone, InvestmentProject, Workshop, WorkshopSession
from projects.selectors import PUBLIC_INVESTMENT_STAGES, PUBLIC_WORKSHOP_STATES
from wfs_portal.api_choices import choice_field
from wfs_portal.choices import District

WorkshopStateField = choice_field(PUBLIC_WORKSHOP_STATES, "WorkshopStateEnum")
MilestoneKindField = choice_field(MilestoneKind, "MilestoneKindEnum")
InvestmentKindField = choice_field(InvestmentKind, "InvestmentKindEnum")
InvestmentStageField = choice_field(PUBLIC_INVESTMENT_STAGES, "InvestmentStageEnum")
FigureProvenanceField = choice_field(FigureProvenance, "FigureProvenanceEnum")


class WorkshopSessionRefSerializer(serializers.ModelSerializer):
    """A session's public part: when, where, who hosts it and the agenda; never the minutes."""

    host_name = serializers.CharField(
        source="host.name", read_only=True, allow_null=True, default=None, help_text="The hosting organisation."
    )

    class Meta:
        model = WorkshopSession
        fields = ["id", "starts_at", "ends_at", "place", "host_name", "agenda"]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A project workshop",
            value={
                "id": 4,
                "title_de": "Projektwerkstatt Krankenhauslogistik",
                "title_en": "Project workshop hospital logistics",
                "topic": "Krankenhauslogistik",
                "challenge_de": "Die Krankenhauslogistik als Wirtschaftsfaktor sichtbarer machen.",
                "challenge_en": "Make hospital logistics more visible as an economic factor.",
                "state": "active",
                "open_for_participants": True,
                "sectors": [{"code": "86.10", "name_de": "Krankenhäuser", "name_en": "Hospital activities"}],
                "technology_fields": [{"slug": "logistik", "name_de": "Logistik", "name_en": "Logistics"}],
                "participant_count": 27,
                "first_session_at": "2019-02-20T10:00:00+01:00",
                "last_session_at": "2019-05-15T10:00:00+02:00",
                "sessions": [
                    {
                        "id": 11,
                        "starts_at": "2019-02-20T10:00:00+01:00",
                        "ends_at": "2019-02-20T16:00:00+01:00",
                        "place": "BIO CITY LEIPZIG, Deutscher Platz 5, Leipzig",
                        "host_name": "BIO CITY LEIPZIG",
                        "agenda": "Bedarfe der Kliniken; Lösungen der Unternehmen; Arbeitsgruppen",
                    }
                ],
                "updated": "2026-11-02T10:15:00+01:00",
            },
        )
    ]
)
class WorkshopSerializer(serializers.ModelSerializer):
    state = WorkshopStateField(choices=PUBLIC_WORKSHOP_STATE_CHOICES, read_only=True)
    sectors = SectorRefSerializer(many=True, read_only=True)
    technology_fields = TechnologyFieldRefSerializer(many=True, read_only=True)
    participant_count = serializers.IntegerField(
        read_only=True, help_text="Organisations taking part now (joined and not left)."
    )
    first_session_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Start of the first session."
    )
    last_session_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="Start of the last session.")
    sessions = WorkshopSessionRefSerializer(many=True, read_only=True)

    class Meta:
        model = Workshop
        fields = [
            "id",
            "title_de",
            "title_en",
            "topic",
            "challenge_de",
            "challenge_en",
            "state",
            "open_for_participants",
            "sectors",
            "technology_fields",
            "participant_count",
            "first_session_at",
            "last_session_at",
            "sessions",
            "updated",
        ]


class MilestoneRefSerializer(serializers.ModelSerializer):
    """A milestone's date and kind; its note is internal."""

    kind = MilestoneKindField(choices=MilestoneKind.choices, read_only=True)

    class Meta:
        model = InvestmentMilestone
        fields = ["date", "kind"]


class InvestorSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    country = serializers.CharField(read_only=True, help_text="ISO 3166-1 alpha-2 code.")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A settlement whose investor is public",
            value={
                "id": 17,
                "title": "European headquarters",
                "kind": "new_settlement",
                "stage": "production_started",
                "is_confidential": False,
                "investor": {"name": "GENEWIZ Germany GmbH", "country": "US"},
                "district": "leipzig_city",
                "municipality": "Leipzig",
                "sectors": [{"code": "72.11", "name_de": "…", "name_en": "…"}],
                "investment_volume_eur": "12500000.00",
                "figure_provenance": "confirmed",
                "new_jobs": 120,
                "secured_jobs": 0,
                "site_offers_sent": 3,
                "first_contact_date": "2017-03-02",
                "decision_date": "2017-09-15",
                "production_start_date": "2018-06-01",
                "milestones": [{"date": "2017-04-11", "kind": "site_visit"}],
                "updated": "2026-11-02T10:15:00+01:00",
            },
        ),
        OpenApiExample(
            "An expansion whose investor is confidential",
            value={
                "id": 23,
                "title": "New production hall",
                "kind": "expansion",
                "stage": "negotiation",
                "is_confidential": True,
                "investor": None,
                "district": "zwickau",
                "municipality": "",
                "sectors": [],
                "investment_volume_eur": "40000000.00",
                "figure_provenance": "estimated",
                "new_jobs": 150,
                "secured_jobs": 600,
                "site_offers_sent": 0,
                "first_contact_date": "2026-01-20",
                "decision_date": None,
                "production_start_date": None,
                "milestones": [],
                "updated": "2026-11-02T10:15:00+01:00",
            },
        ),
    ]
)
class InvestmentProjectSerializer(serializers.ModelSerializer):
    kind = InvestmentKindField(choices=InvestmentKind.choices, read_only=True)
    stage = InvestmentStageField(choices=PUBLIC_INVESTMENT_STAGE_CHOICES, read_only=True)
    figure_provenance = FigureProvenanceField(choices=FigureProvenance.choices, read_only=True)
    is_confidential = serializers.BooleanField(
        read_only=True, help_text="The investor's identity is confidential; `investor` is then null."
    )
    investor = serializers.SerializerMethodField()
    district = serializers.ChoiceField(
        source="site_district",
        choices=District.choices,
        allow_blank=True,
        read_only=True,
        help_text="The site's district.",
    )
    municipality = serializers.CharField(source="site_municipality", read_only=True)
    sectors = SectorRefSerializer(many=True, read_only=True)
    milestones = MilestoneRefSerializer(many=True, read_only=True)

    class Meta:
        model = InvestmentProject
        fields = [
            "id",
            "title",
            "kind",
            "stage",
            "is_confidential",
            "investor",
            "district",
            "municipality",
            "sectors",
            "investment_volume_eur",
            "figure_provenance",
            "new_jobs",
            "secured_jobs",
            "site_offers_sent",
            "first_contact_date",
            "decision_date",
            "production_start_date",
            "milestones",
            "updated",
        ]

    @extend_schema_field(InvestorSerializer(allow_null=True))
    def get_investor(self, obj) -> dict | None:
        # The queryset's redacted annotations, never obj.investor (see public_investment_projects).
        if obj.public_investor_name is None:
            return None
        return {"name": obj.public_investor_name, "country": obj.public_investor_country or ""}


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "The year 2018",
            value={
                "year": 2018,
                "projects": 20,
                "investment_volume_confirmed_eur": "141820000.00",
                "investment_volume_unconfirmed_eur": "0.00",
                "new_jobs": 361,
                "secured_jobs": 538,
            },
        )
    ]
)
class InvestmentSummarySerializer(serializers.Serializer):
    """A year's accompanied investment projects in figures (the agency's annual report)."""

    year = serializers.IntegerField()
    projects = serializers.IntegerField(
        help_text="Settlements, expansions and retentions whose production started in the year."
    )
    investment_volume_confirmed_eur = serializers.DecimalField(
        max_digits=16, decimal_places=2, source="investment_volume_eur", help_text="Confirmed investment volume."
    )
    investment_volume_unconfirmed_eur = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        help_text="Investment volume announced by the investor or estimated by the agency, not yet confirmed.",
    )
    new_jobs = serializers.IntegerField()
    secured_jobs = serializers.IntegerField()


class InvestmentSummaryQuerySerializer(serializers.Serializer):
    # From before the agency's first project to the last year a date can hold.
    year = serializers.IntegerField(required=False, min_value=1990, max_value=datetime.MAXYEAR)
