from companies.models.api_keys import PartnerApiKey
from companies.models.matching import (
    ComplementaryDivisions,
    ContactRequest,
    Match,
    MatchChunk,
    MatchExclusion,
    MatchFeedback,
    MatchGeneration,
    MatchOverride,
    TextEmbedding,
)
from companies.models.organisations import (
    Cluster,
    ClusterMembership,
    ConsentRecord,
    Contact,
    Organisation,
    PartneringProfile,
    Sector,
    TechnologyField,
)
from companies.models.representatives import Representative
from companies.models.visits import PortalVisit

__all__ = [
    "Cluster",
    "ComplementaryDivisions",
    "ClusterMembership",
    "ConsentRecord",
    "Contact",
    "ContactRequest",
    "Match",
    "MatchChunk",
    "MatchExclusion",
    "MatchFeedback",
    "MatchGeneration",
    "MatchOverride",
    "Organisation",
    "PartnerApiKey",
    "PartneringProfile",
    "PortalVisit",
    "Representative",
    "Sector",
    "TechnologyField",
    "TextEmbedding",
]
