from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    COMPANY = "company", _("Company")
    RESEARCH = "research", _("Research institute")
    UNIVERSITY = "university", _("University")
    CLINIC = "clinic", _("Clinic")
    NETWORK = "network", _("Network or association")
    PUBLIC_BODY = "public_body", _("Public body")
    INVESTOR = "investor", _("Foreign investor")


class LegalForm(models.TextChoices):
    GMBH = "gmbh", "GmbH"
    UG = "ug", _("UG (limited liability)")
    AG = "ag", "AG"
    SE = "se", "SE"
    GMBH_CO_KG = "gmbh_co_kg", "GmbH & Co. KG"
    KG = "kg", "KG"
    OHG = "ohg", "OHG"
    GBR = "gbr", "GbR"
    SOLE_TRADER = "sole_trader", _("Sole trader (e. K.)")
    EV = "ev", _("Registered association (e. V.)")
    EG = "eg", _("Cooperative (eG)")
    FOUNDATION = "foundation", _("Foundation")
    PUBLIC_LAW = "public_law", _("Public-law body")
    FOREIGN = "foreign", _("Foreign legal form")
    OTHER = "other", _("Other")


class EmployeeBand(models.TextChoices):
    """Head-count bands along the EU SME definition (micro < 10, small < 50, medium < 250)."""

    MICRO = "1-9", _("1–9 employees")
    SMALL = "10-49", _("10–49 employees")
    MEDIUM = "50-249", _("50–249 employees")
    LARGE = "250-999", _("250–999 employees")
    VERY_LARGE = "1000+", _("1,000 or more employees")


class VerificationState(models.TextChoices):
    SELF_REGISTERED = "self_registered", _("Self-registered, awaiting verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class ClusterRole(models.TextChoices):
    MEMBER = "member", _("Member")
    FOUNDING_MEMBER = "founding_member", _("Founding member")
    BOARD = "board", _("Board member")
    PARTNER = "partner", _("Associated partner")


class ConsentPurpose(models.TextChoices):
    PARTNER_SHARING = "partner_sharing", _("Share contact details with partner organisations")
    MATCHMAKING = "matchmaking", _("Introductions to matched partners")
    EVENT_INFORMATION = "event_information", _("Information about fairs, delegations and workshops")
    NEWSLETTER = "newsletter", _("Newsletter")


class ConsentSource(models.TextChoices):
    PORTAL = "portal", _("Self-service portal")
    PAPER_FORM = "paper_form", _("Signed form")
    EMAIL = "email", _("E-mail")
    EVENT = "event", _("At an event")
    STAFF = "staff", _("Recorded by staff")


class ProfileType(models.TextChoices):
    """The partnering profile types of the Enterprise Europe Network."""

    BUSINESS_OFFER = "business_offer", _("Business offer")
    BUSINESS_REQUEST = "business_request", _("Business request")
    TECHNOLOGY_OFFER = "technology_offer", _("Technology offer")
    TECHNOLOGY_REQUEST = "technology_request", _("Technology request")
    RD_REQUEST = "rd_request", _("R&D cooperation request")


OFFER_TYPES = (ProfileType.BUSINESS_OFFER, ProfileType.TECHNOLOGY_OFFER)
REQUEST_TYPES = (ProfileType.BUSINESS_REQUEST, ProfileType.TECHNOLOGY_REQUEST, ProfileType.RD_REQUEST)


class DevelopmentStage(models.TextChoices):
    CONCEPT = "concept", _("Concept stage")
    UNDER_DEVELOPMENT = "under_development", _("Under development, lab tested")
    PROTOTYPE = "prototype", _("Prototype available for demonstration")
    FIELD_TESTED = "field_tested", _("Field tested")
    ON_THE_MARKET = "on_the_market", _("Already on the market")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class ProfileState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # Review before publication: a representative submits, staff score it and publish it or put it
    # on hold with a comment; an edited profile on hold is submitted again.
    SUBMITTED = "submitted", _("Submitted for review")
    ON_HOLD = "on_hold", _("On hold after review")


class ApiScope(models.TextChoices):
    """What a partner API key may do; each endpoint names the scope it needs."""

    DIRECTORY_READ = "directory:read", _("Read the directory (organisations, sectors, clusters, profiles)")
    EVENTS_READ = "events:read", _("Read trade fairs, delegations and workshops")
    MEMBERS_WRITE = "members:write", _("Synchronise the partner's own member list")
    REGISTRATIONS_WRITE = "registrations:write", _("Register member organisations for booths and delegations")
    CONTACTS_READ = "contacts:read", _("Read contact persons who consented to sharing with partners")
    INVESTMENTS_READ = "investments:read", _("Read investment projects (without confidential data)")
    MATCHES_READ = "matches:read", _("Read the partner matches of the partner's member organisations")
    WEBHOOKS_MANAGE = "webhooks:manage", _("Manage the partner's webhook endpoints and read their deliveries")


class RepresentativeRole(models.TextChoices):
    """What a company user may do for an organisation in the portal."""

    ADMINISTRATOR = "administrator", _("Administrator (edits the profile, decides join requests)")
    EDITOR = "editor", _("Editor (edits the profile)")


class RepresentationState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class DuplicateKind(models.TextChoices):
    """What a possible duplicate pair is made of."""

    ORGANISATION = "organisation", _("Organisations")
    CONTACT = "contact", _("Contact persons")
