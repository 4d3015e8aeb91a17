"""What the partner API shows of the companies app: the public directory, never personal data
except contact persons who consented to sharing with partners."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from companies.choices import ClusterRole, OrganisationKind
from companies.models.classifications import Sector, TechnologyField
from companies.models.clusters import Cluster, ClusterMembership
from companies.models.contacts import Contact
from companies.models.organisations import ENTRY_FIELDS, Organisation
from companies.models.profiles import PartneringProfile


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A NACE class",
            value={
                "id": 612,
                "code": "26.60",
                "level": 4,
                "parent": "26.6",
                "name_de": "Herstellung von Bestrahlungs- und Elektrotherapiegeräten",
                "name_en": "Manufacture of irradiation, electromedical and electrotherapeutic equipment",
            },
        )
    ]
)
class SectorSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="Code of the level above (none for a section)."
    )

    class Meta:
        model = Sector
        fields = ["id", "code", "level", "parent", "name_de", "name_en"]


class SectorRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sector
        fields = ["code", "name_de", "name_en"]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A technology field",
            value={
                "id": 1,
                "slug": "logistik",
                "name_de": "Logistik",
                "name_en": "Logistics",
                "description_de": "",
                "description_en": "",
                "updated": "2026-11-02T10:15:00+01:00",
            },
        )
    ]
)
class TechnologyFieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = TechnologyField
        fields = ["id", "slug", "name_de", "name_en", "description_de", "description_en", "updated"]


class TechnologyFieldRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = TechnologyField
        fields = ["slug", "name_de", "name_en"]


class ClassifiedSerializer(serializers.ModelSerializer):
    """A record classified by sectors and technology fields (an organisation, a cluster, a profile),
    which it shows as references."""

    sectors = SectorRefSerializer(many=True, read_only=True)
    technology_fields = TechnologyFieldRefSerializer(many=True, read_only=True)


class MembershipRefSerializer(serializers.ModelSerializer):
    cluster_name = serializers.CharField(source="cluster.name", read_only=True)

    class Meta:
        model = ClusterMembership
        fields = ["cluster", "cluster_name", "role", "since"]


# The organisation's own columns in the public directory (the VAT ID is not among them), in the
# order of its entries; the related lists and the time of the last change follow them.
DIRECTORY_COLUMNS = ("id", *(name for name in ENTRY_FIELDS if name != "vat_id"))


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A company",
            value={
                "id": 42,
                "name": "Beispiel Sensorik GmbH",
                "kind": "company",
                "legal_form": "gmbh",
                "register_court": "Amtsgericht Dresden",
                "register_number": "HRB 12345",
                "website": "https://sensorik.example",
                "email": "info@sensorik.example",
                "phone": "+49 351 1234567",
                "founded": 2004,
                "employee_band": "50-249",
                "street": "Musterstraße 1",
                "postal_code": "01069",
                "city": "Dresden",
                "district": "dresden",
                "country": "DE",
                "description_de": "Entwickelt MEMS-Sensoren für die Medizintechnik.",
                "description_en": "Develops MEMS sensors for medical devices.",
                "sectors": [{"code": "26.51", "name_de": "…", "name_en": "…"}],
                "technology_fields": [
                    {"slug": "mikroelektronik-sensorik", "name_de": "Mikroelektronik und Sensorik", "name_en": "…"}
                ],
                "cluster_memberships": [{"cluster": 3, "cluster_name": "Silicon Saxony", "role": "member"}],
                "updated": "2026-11-02T10:15:00+01:00",
            },
        )
    ]
)
class OrganisationSerializer(ClassifiedSerializer):
    cluster_memberships = MembershipRefSerializer(many=True, read_only=True, source="active_memberships")
    country = serializers.CharField(source="country.code", read_only=True, help_text="ISO 3166-1 alpha-2 code.")

    class Meta:
        model = Organisation
        fields = [*DIRECTORY_COLUMNS, "sectors", "technology_fields", "cluster_memberships", "updated"]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A cluster",
            value={
                "id": 3,
                "name": "Silicon Saxony",
                "acronym": "",
                "website": "https://www.silicon-saxony.de",
                "description_de": "…",
                "description_en": "…",
                "managing_organisation": 17,
                "sectors": [],
                "technology_fields": [],
                "updated": "2026-11-02T10:15:00+01:00",
            },
        )
    ]
)
class ClusterSerializer(ClassifiedSerializer):
    class Meta:
        model = Cluster
        fields = [
            "id",
            "name",
            "acronym",
            "website",
            "description_de",
            "description_en",
            "managing_organisation",
            "sectors",
            "technology_fields",
            "updated",
        ]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A membership",
            value={
                "id": 9,
                "cluster": 3,
                "organisation": 42,
                "organisation_name": "Beispiel Sensorik GmbH",
                "role": "member",
                "since": "2019-01-01",
                "until": None,
                "updated": "2026-11-02T10:15:00+01:00",
            },
        )
    ]
)
class ClusterMembershipSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = ClusterMembership
        fields = ["id", "cluster", "organisation", "organisation_name", "role", "since", "until", "updated"]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A technology offer",
            value={
                "id": 77,
                "organisation": 42,
                "type": "technology_offer",
                "title_de": "MEMS-Drucksensor für Infusionspumpen",
                "title_en": "MEMS pressure sensor for infusion pumps",
                "summary_de": "…",
                "summary_en": "…",
                "keywords_de": ["MEMS", "Drucksensor"],
                "keywords_en": ["MEMS", "pressure sensor"],
                "partner_sought_de": "",
                "partner_sought_en": "",
                "stage": "available",
                "target_countries": ["PL", "CZ"],
                "sectors": [],
                "technology_fields": [],
                "published_at": "2026-10-01T09:00:00+02:00",
                "valid_until": "2027-10-01",
                "updated": "2026-11-02T10:15:00+01:00",
            },
        )
    ]
)
class PartneringProfileSerializer(ClassifiedSerializer):
    keywords_de = serializers.SerializerMethodField()
    keywords_en = serializers.SerializerMethodField()
    target_countries = serializers.SerializerMethodField()

    class Meta:
        model = PartneringProfile
        fields = [
            "id",
            "reference",
            "organisation",
            "type",
            *PartneringProfile.TEXT_FIELDS,
            "stage",
            "target_countries",
            "sectors",
            "technology_fields",
            "published_at",
            "valid_until",
            "updated",
        ]

    def get_keywords_de(self, obj) -> list[str]:
        return PartneringProfile.split_keywords(obj.keywords_de)

    def get_keywords_en(self, obj) -> list[str]:
        return PartneringProfile.split_keywords(obj.keywords_en)

    def get_target_countries(self, obj) -> list[str]:
        return [country.code for country in obj.target_countries]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A contact person",
            value={
                "id": 5,
                "organisation": 42,
                "title": "Dr.",
                "first_name": "Anna",
                "last_name": "Beispiel",
                "position": "Head of Sales",
                "email": "anna.beispiel@sensorik.example",
                "phone": "+49 351 1234568",
                "language": "de",
                "updated": "2026-11-02T10:15:00+01:00",
            },
        )
    ]
)
class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = [
            "id",
            "organisation",
            "title",
            "first_name",
            "last_name",
            "position",
            "email",
            "phone",
            "language",
            "updated",
        ]
        # Contact persons are only read through the API, so there is no uniqueness to check; with
        # the check, DRF gives the e-mail field the default "" (from the unique constraint on
        # organisation and e-mail), and a schema whose e-mail field defaults to "" is invalid OpenAPI.
        validators = []


# --- member lists (members:write) ---------------------------------------------------------------------


class MemberRowSerializer(serializers.Serializer):
    """One member as the partner keeps it: how to find the organisation, and the membership."""

    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=OrganisationKind.choices, required=False)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=12, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True, help_text="ISO 3166-1 alpha-2.")
    website = serializers.URLField(required=False, allow_blank=True)
    register_court = serializers.CharField(max_length=100, required=False, allow_blank=True)
    register_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    vat_id = serializers.CharField(max_length=14, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=ClusterRole.choices, default=ClusterRole.MEMBER)
    since = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs):
        if not any(attrs.get(k) for k in ("register_number", "vat_id", "website")):
            raise serializers.ValidationError(_("Give a register number, a VAT ID or a website to find the member by."))
        return attrs


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Two members, dry run",
            request_only=True,
            value={
                "dry_run": True,
                "end_missing": False,
                "members": [
                    {"register_court": "Amtsgericht Dresden", "register_number": "HRB 12345", "role": "member"},
                    {
                        "name": "Neue Biotech GmbH",
                        "kind": "company",
                        "city": "Leipzig",
                        "website": "https://neue-biotech.example",
                        "since": "2026-01-01",
                    },
                ],
            },
        )
    ]
)
class MemberSyncSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(default=False, help_text="Only report what would change.")
    end_missing = serializers.BooleanField(
        default=False, help_text="End the memberships of organisations that are not in the list."
    )
    members = MemberRowSerializer(many=True, allow_empty=True, max_length=5000)


class MemberSyncRowResultSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Position of the row in the request, from 0.")
    action = serializers.ChoiceField(choices=["created", "added", "updated", "unchanged", "error"])
    organisation = serializers.IntegerField(allow_null=True)
    matched_by = serializers.CharField(help_text="register_number, vat_id, website, or empty for a new one.")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class MemberSyncReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField(help_text="Whether the changes were written (never with errors).")
    counts = serializers.DictField(child=serializers.IntegerField())
    rows = MemberSyncRowResultSerializer(many=True)
    ended = serializers.ListField(child=serializers.IntegerField(), help_text="Organisations whose membership ended.")
    version = serializers.CharField(help_text="The member list's version after the sync (for If-Match).")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Errors of the request itself (not of a row), by field.",
    )


class ManagedClusterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    members = serializers.IntegerField(source="current_members", help_text="Current members.")


class MemberListEntrySerializer(serializers.Serializer):
    organisation = serializers.IntegerField()
    name = serializers.CharField()
    register_court = serializers.CharField()
    register_number = serializers.CharField()
    vat_id = serializers.CharField()
    website = serializers.CharField()
    role = serializers.CharField()
    since = serializers.DateField(allow_null=True)


class MemberListSerializer(serializers.Serializer):
    cluster = serializers.IntegerField()
    version = serializers.CharField(help_text="Send it back as If-Match with a sync to refuse a stale write.")
    members = MemberListEntrySerializer(many=True)


class OrganisationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "city", "country"]

    country = serializers.CharField(source="country.code", read_only=True)
