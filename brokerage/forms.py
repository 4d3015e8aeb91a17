"""The portal's forms of brokerage events."""

from django import forms
from django.utils.translation import gettext_lazy as _

from brokerage.choices import SPOKEN_LANGUAGES, Attendance, EventFormat, FollowUpAnswer, MeetingVerdict
from brokerage.models.events import BrokerageEvent
from brokerage.services.requests import MESSAGE_MAX_LENGTH
from companies.choices import ProfileState
from companies.models.contacts import Contact
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile


def offer_or_drop(form: forms.Form, name: str, choices) -> bool:
    """Offer ``choices`` in the field ``name``, or leave the field out where there are none (an
    event without participation types, an organisation without published profiles)."""
    if choices:
        form.fields[name].queryset = choices
        return True
    del form.fields[name]
    return False


class ParticipantRegistrationForm(forms.Form):
    participation_type = forms.ModelChoiceField(queryset=None, label=_("You take part as"), empty_label=None)
    sessions = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        label=_("Sessions you can attend"),
        error_messages={"required": _("Choose at least one session you can attend.")},
    )
    attendance = forms.ChoiceField(label=_("Attendance"), choices=Attendance.choices, initial=Attendance.ON_SITE)
    contact = forms.ModelChoiceField(queryset=None, label=_("Attending person"), required=False)
    persons = forms.IntegerField(
        label=_("Persons attending"),
        min_value=1,
        max_value=4,
        initial=1,
        help_text=_("The table must seat everybody of both sides."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak in meetings"),
        choices=SPOKEN_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        initial=["de", "en"],
        help_text=_(
            "Where you share no language with a partner, the organiser seats you at a table with an interpreter."
        ),
    )
    offer = forms.CharField(
        label=_("What we offer"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Products, services, technologies; other participants read this in the participant list."),
    )
    request = forms.CharField(
        label=_("What we are looking for"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    profiles = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Show these partnering profiles to the other participants"),
    )
    share_meetings = forms.BooleanField(
        label=_("Our clusters and networks may see our meetings at this event"),
        required=False,
        help_text=_("Only meetings whose other side agreed as well; through the agency's partner interface."),
    )

    def __init__(self, *args, event: BrokerageEvent, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        offer_or_drop(self, "participation_type", event.participation_types.all())
        profiles = PartneringProfile.objects.filter(organisation=organisation, state=ProfileState.PUBLISHED)
        if offer_or_drop(self, "profiles", profiles.order_by("reference")):
            self.fields["profiles"].label_from_instance = lambda profile: f"{profile.title} ({profile.reference})"
        self.fields["sessions"].queryset = event.sessions.order_by("starts_at")
        self.fields["sessions"].label_from_instance = lambda session: session.label
        contacts = Contact.objects.filter(organisation=organisation, removed_at__isnull=True).order_by("last_name")
        self.fields["contact"].queryset = contacts
        self.fields["contact"].label_from_instance = lambda person: person.full_name
        if event.format == EventFormat.ON_SITE:
            self.fields["attendance"].choices = [(Attendance.ON_SITE, Attendance.ON_SITE.label)]
        elif event.format == EventFormat.ONLINE:
            self.fields["attendance"].choices = [(Attendance.ONLINE, Attendance.ONLINE.label)]
            self.fields["attendance"].initial = Attendance.ONLINE

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "participation_type": data.get("participation_type"),
            "profiles": list(data.get("profiles") or []),
            "contact": data["contact"],
            "persons": data["persons"],
            "attendance": data["attendance"],
            "languages": ",".join(data["languages"]),
            "offer": data["offer"],
            "request": data["request"],
            "share_meetings": data["share_meetings"],
        }


class MeetingRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you would like to talk about, in a few sentences."),
    )


class ParticipantSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    participation_type = forms.ModelChoiceField(
        queryset=None, label=_("Taking part as"), required=False, empty_label=_("Every kind")
    )
    attendance = forms.ChoiceField(
        label=_("Attendance"), required=False, choices=[("", _("On site and online")), *Attendance.choices]
    )
    language = forms.ChoiceField(
        label=_("Speaks"), required=False, choices=[("", _("Any language")), *SPOKEN_LANGUAGES]
    )

    def __init__(self, *args, event: BrokerageEvent, **kwargs):
        super().__init__(*args, **kwargs)
        offer_or_drop(self, "participation_type", event.participation_types.all())


class OutcomeForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("What came of the meeting?"), choices=MeetingVerdict.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment for the agency"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FollowUpForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Did an agreement come about?"), choices=FollowUpAnswer.choices, widget=forms.RadioSelect
    )
