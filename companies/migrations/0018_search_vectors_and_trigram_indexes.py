"""The search of profiles and organisations (companies/search.py) on PostgreSQL: the trigram
extension, a weighted full-text vector per row (a stored generated column, so every write path
keeps it current, bulk imports included) with a GIN index, and a profile's short texts (titles and
keywords) in one column, whose words migration 0016 collects for the correction of typos. SQLite (the laptop) skips all of it and searches more simply."""

from django.db import migrations

from companies.migrations._postgres import PostgresOnlySQL, PostgresOnlyTrigramExtension

# Weights: A the title (or name), B the keywords, C the summary and what is sought (or the
# description). German texts with the German configuration, English ones with the English one, and
# keywords, names and the reference number also word for word ('simple').
PROFILE_VECTOR = """
    setweight(to_tsvector('simple'::regconfig, reference), 'A')
    || setweight(to_tsvector('german'::regconfig, title_de), 'A')
    || setweight(to_tsvector('english'::regconfig, title_en), 'A')
    || setweight(to_tsvector('simple'::regconfig, keywords_de::text || ' ' || keywords_en::text), 'B')
    || setweight(to_tsvector('german'::regconfig, keywords_de), 'B')
    || setweight(to_tsvector('english'::regconfig, keywords_en), 'B')
    || setweight(to_tsvector('german'::regconfig, summary_de::text || ' ' || partner_sought_de::text), 'C')
    || setweight(to_tsvector('english'::regconfig, summary_en::text || ' ' || partner_sought_en::text), 'C')
"""
PROFILE_WORDS = "title_de::text || ' ' || title_en::text || ' ' || keywords_de::text || ' ' || keywords_en::text"
ORGANISATION_VECTOR = """
    setweight(to_tsvector('simple'::regconfig, name), 'A')
    || setweight(to_tsvector('simple'::regconfig, city), 'B')
    || setweight(to_tsvector('german'::regconfig, description_de), 'C')
    || setweight(to_tsvector('english'::regconfig, description_en), 'C')
"""

FORWARD = [
    f"ALTER TABLE companies_partneringprofile ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({PROFILE_VECTOR}) STORED",
    f"ALTER TABLE companies_partneringprofile ADD COLUMN search_words text GENERATED ALWAYS AS ({PROFILE_WORDS}) STORED",
    "CREATE INDEX companies_profile_search_vector ON companies_partneringprofile USING gin (search_vector)",
    f"ALTER TABLE companies_organisation ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({ORGANISATION_VECTOR}) STORED",
    "CREATE INDEX companies_organisation_search_vector ON companies_organisation USING gin (search_vector)",
]
BACKWARD = [
    "ALTER TABLE companies_partneringprofile DROP COLUMN search_vector",
    "ALTER TABLE companies_partneringprofile DROP COLUMN search_words",
    "ALTER TABLE companies_organisation DROP COLUMN search_vector",
]


class Migration(migrations.Migration):
    dependencies = [("companies", "0017_profile_reference_numbers")]

    operations = [
        PostgresOnlyTrigramExtension(),
        PostgresOnlySQL(FORWARD, BACKWARD),
    ]
