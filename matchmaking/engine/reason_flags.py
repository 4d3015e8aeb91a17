"""The reason codes of a match: bit flags in ``ChunkResult.reason_flags``, which the Django side
renders in German or English. No Django here."""

PARTNER_OFFERS = 1  # the partner offers what the organisation needs
PARTNER_NEEDS = 2  # the partner needs what the organisation offers
SHARED_FIELD = 4
CROSS_SECTOR = 8
COMPLEMENTARY_DIVISIONS = 16
SAME_DISTRICT = 32
BOTH_SAXONY = 64
TARGET_COUNTRY = 128  # the partner is in a country the organisation's profiles target
SHARED_CLUSTER = 256
KIND_PAIR = 512
FEEDBACK_SIMILAR = 1024
PINNED = 2048
TARGETED_BY_PARTNER = 4096  # the partner's profiles target the organisation's country
CO_OPERATION = 8192  # both look for a partner of their own kind, for the same thing (joint research)
