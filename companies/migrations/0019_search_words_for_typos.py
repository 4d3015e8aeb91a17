"""The words of the profiles' titles and keywords and of the organisations' names, one row each, with
a trigram index (PostgreSQL only): a misspelt query word is corrected to its nearest known words
before the full-text search (companies/search.py), which costs a look-up in this short list instead of
a trigram comparison with every row that contains a similar word. Triggers add the words of every
inserted or changed row; words no longer used stay (a correction to them simply finds nothing)."""

from django.db import migrations

from companies.migrations._postgres import PostgresOnlySQL

FORWARD = [
    "CREATE TABLE companies_search_word (word text PRIMARY KEY)",
    "CREATE INDEX companies_search_word_trgm ON companies_search_word USING gin (word gin_trgm_ops)",
    """CREATE FUNCTION companies_search_words_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO companies_search_word (word)
        SELECT lexeme FROM unnest(to_tsvector('simple'::regconfig, NEW.search_words))
        WHERE length(lexeme) >= 4
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER companies_profile_search_words AFTER INSERT OR UPDATE OF title_de, title_en, keywords_de,
    keywords_en ON companies_partneringprofile FOR EACH ROW EXECUTE FUNCTION companies_search_words_add()""",
    """CREATE FUNCTION companies_organisation_words_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO companies_search_word (word)
        SELECT lexeme FROM unnest(to_tsvector('simple'::regconfig, NEW.name))
        WHERE length(lexeme) >= 4
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER companies_organisation_search_words AFTER INSERT OR UPDATE OF name
    ON companies_organisation FOR EACH ROW EXECUTE FUNCTION companies_organisation_words_add()""",
    """INSERT INTO companies_search_word (word)
    SELECT word FROM ts_stat('SELECT to_tsvector(''simple'', search_words) FROM companies_partneringprofile
                              UNION ALL SELECT to_tsvector(''simple'', name) FROM companies_organisation')
    WHERE length(word) >= 4 ON CONFLICT DO NOTHING""",
]
BACKWARD = [
    "DROP TRIGGER companies_organisation_search_words ON companies_organisation",
    "DROP FUNCTION companies_organisation_words_add()",
    "DROP TRIGGER companies_profile_search_words ON companies_partneringprofile",
    "DROP FUNCTION companies_search_words_add()",
    "DROP TABLE companies_search_word",
]


class Migration(migrations.Migration):
    dependencies = [("companies", "0018_search_vectors_and_trigram_indexes")]

    operations = [PostgresOnlySQL(FORWARD, BACKWARD)]
