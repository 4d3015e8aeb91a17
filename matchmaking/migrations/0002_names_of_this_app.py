"""The constraints and the index of the models taken over from companies get this app's names."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0012_matchmaking_moved_out"),
        ("matchmaking", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="complementarydivisions",
            name="companies_complementarydivisions_unique_pair",
        ),
        migrations.RemoveConstraint(
            model_name="complementarydivisions",
            name="companies_complementarydivisions_two_divisions",
        ),
        migrations.RemoveConstraint(
            model_name="contactrequest",
            name="companies_contactrequest_one_open_per_pair",
        ),
        migrations.RemoveConstraint(
            model_name="contactrequest",
            name="companies_contactrequest_not_self",
        ),
        migrations.RemoveConstraint(
            model_name="match",
            name="companies_match_one_per_rank",
        ),
        migrations.RemoveConstraint(
            model_name="match",
            name="companies_match_score_in_unit_interval",
        ),
        migrations.RemoveConstraint(
            model_name="match",
            name="companies_match_not_self",
        ),
        migrations.RemoveConstraint(
            model_name="matchchunk",
            name="companies_matchchunk_unique_index",
        ),
        migrations.RemoveConstraint(
            model_name="matchchunk",
            name="companies_matchchunk_not_empty",
        ),
        migrations.RemoveConstraint(
            model_name="matchexclusion",
            name="companies_matchexclusion_fields_match_kind",
        ),
        migrations.RemoveConstraint(
            model_name="matchexclusion",
            name="companies_matchexclusion_not_self",
        ),
        migrations.RemoveConstraint(
            model_name="matchfeedback",
            name="companies_matchfeedback_one_per_pair",
        ),
        migrations.RemoveConstraint(
            model_name="matchfeedback",
            name="companies_matchfeedback_not_self",
        ),
        migrations.RemoveConstraint(
            model_name="matchgeneration",
            name="companies_matchgeneration_one_active",
        ),
        migrations.RemoveConstraint(
            model_name="matchgeneration",
            name="companies_matchgeneration_chunks_done_within_total",
        ),
        migrations.RemoveConstraint(
            model_name="matchoverride",
            name="companies_matchoverride_one_per_pair",
        ),
        migrations.RemoveConstraint(
            model_name="matchoverride",
            name="companies_matchoverride_not_self",
        ),
        migrations.RemoveConstraint(
            model_name="portalvisit",
            name="companies_portalvisit_unique_user_organisation",
        ),
        migrations.RemoveConstraint(
            model_name="textembedding",
            name="companies_textembedding_unique_text",
        ),
        migrations.RenameIndex(
            model_name="match",
            new_name="matchmaking_match_partner_idx",
            old_name="companies_match_partner_idx",
        ),
        migrations.AddConstraint(
            model_name="complementarydivisions",
            constraint=models.UniqueConstraint(
                fields=("first", "second"),
                name="matchmaking_complementarydivisions_unique_pair",
                violation_error_message="These divisions are already declared complementary.",
            ),
        ),
        migrations.AddConstraint(
            model_name="complementarydivisions",
            constraint=models.CheckConstraint(
                condition=models.Q(("first", models.F("second")), _negated=True),
                name="matchmaking_complementarydivisions_two_divisions",
                violation_error_message="Choose two different divisions.",
            ),
        ),
        migrations.AddConstraint(
            model_name="contactrequest",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "requested")),
                fields=("requester", "target"),
                name="matchmaking_contactrequest_one_open_per_pair",
                violation_error_message="An introduction to this partner has already been requested.",
            ),
        ),
        migrations.AddConstraint(
            model_name="contactrequest",
            constraint=models.CheckConstraint(
                condition=models.Q(("requester", models.F("target")), _negated=True),
                name="matchmaking_contactrequest_not_self",
                violation_error_message="An organisation cannot ask to be introduced to itself.",
            ),
        ),
        migrations.AddConstraint(
            model_name="match",
            constraint=models.UniqueConstraint(
                fields=("generation", "organisation", "rank"),
                name="matchmaking_match_one_per_rank",
                violation_error_message="This place of the list is taken.",
            ),
        ),
        migrations.AddConstraint(
            model_name="match",
            constraint=models.CheckConstraint(
                condition=models.Q(("score__gte", 0), ("score__lte", 1)),
                name="matchmaking_match_score_in_unit_interval",
                violation_error_message="A score lies between 0 and 1.",
            ),
        ),
        migrations.AddConstraint(
            model_name="match",
            constraint=models.CheckConstraint(
                condition=models.Q(("organisation", models.F("partner")), _negated=True),
                name="matchmaking_match_not_self",
                violation_error_message="An organisation is not its own partner.",
            ),
        ),
        migrations.AddConstraint(
            model_name="matchchunk",
            constraint=models.UniqueConstraint(
                fields=("generation", "phase", "index"),
                name="matchmaking_matchchunk_unique_index",
                violation_error_message="This chunk exists already.",
            ),
        ),
        migrations.AddConstraint(
            model_name="matchchunk",
            constraint=models.CheckConstraint(
                condition=models.Q(("stop__gt", models.F("start"))),
                name="matchmaking_matchchunk_not_empty",
                violation_error_message="A chunk must contain at least one organisation.",
            ),
        ),
        migrations.AddConstraint(
            model_name="matchexclusion",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "same_group"), ("organisation__isnull", True), ("other__isnull", True)),
                    models.Q(("kind", "competitors"), ("organisation__isnull", False), ("other__isnull", True)),
                    models.Q(("kind", "pair"), ("organisation__isnull", False), ("other__isnull", False)),
                    _connector="OR",
                ),
                name="matchmaking_matchexclusion_fields_match_kind",
                violation_error_message="Same group: no organisation. Competitors: one organisation. Pair: two organisations.",
            ),
        ),
        migrations.AddConstraint(
            model_name="matchexclusion",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("other__isnull", True),
                    models.Q(("organisation", models.F("other")), _negated=True),
                    _connector="OR",
                ),
                name="matchmaking_matchexclusion_not_self",
                violation_error_message="A pair needs two different organisations.",
            ),
        ),
        migrations.AddConstraint(
            model_name="matchfeedback",
            constraint=models.UniqueConstraint(
                fields=("organisation", "partner"),
                name="matchmaking_matchfeedback_one_per_pair",
                violation_error_message="This organisation has already given feedback on this partner.",
            ),
        ),
        migrations.AddConstraint(
            model_name="matchfeedback",
            constraint=models.CheckConstraint(
                condition=models.Q(("organisation", models.F("partner")), _negated=True),
                name="matchmaking_matchfeedback_not_self",
                violation_error_message="An organisation is not its own partner.",
            ),
        ),
        migrations.AddConstraint(
            model_name="matchgeneration",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "active")),
                fields=("state",),
                name="matchmaking_matchgeneration_one_active",
                violation_error_message="Only one match generation can be active.",
            ),
        ),
        migrations.AddConstraint(
            model_name="matchgeneration",
            constraint=models.CheckConstraint(
                condition=models.Q(("chunks_done__lte", models.F("chunks_total"))),
                name="matchmaking_matchgeneration_chunks_done_within_total",
                violation_error_message="More chunks done than there are.",
            ),
        ),
        migrations.AddConstraint(
            model_name="matchoverride",
            constraint=models.UniqueConstraint(
                fields=("organisation", "partner"),
                name="matchmaking_matchoverride_one_per_pair",
                violation_error_message="There is already an override for this pair.",
            ),
        ),
        migrations.AddConstraint(
            model_name="matchoverride",
            constraint=models.CheckConstraint(
                condition=models.Q(("organisation", models.F("partner")), _negated=True),
                name="matchmaking_matchoverride_not_self",
                violation_error_message="An organisation is not its own partner.",
            ),
        ),
        migrations.AddConstraint(
            model_name="portalvisit",
            constraint=models.UniqueConstraint(
                fields=("user", "organisation"),
                name="matchmaking_portalvisit_unique_user_organisation",
                violation_error_message="This user's visits to this organisation are recorded already.",
            ),
        ),
        migrations.AddConstraint(
            model_name="textembedding",
            constraint=models.UniqueConstraint(
                fields=("model", "text_hash"),
                name="matchmaking_textembedding_unique_text",
                violation_error_message="This text is embedded already.",
            ),
        ),
    ]
