"""The supervisors' forms (declare, post an update, resolve) and the operator's attach-and-subscribe
on the call screen. They parse; ``incidents.services`` decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PUBLIC_MESSAGE_MAX, TITLE_MAX

# The browser's datetime-local control sends this; the form reads it in the current time zone.
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.DateTimeField):
    def __init__(self, **kwargs: object) -> None:
        widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE)
        super().__init__(input_formats=[LOCAL_MINUTE, "%Y-%m-%d %H:%M"], widget=widget, **kwargs)  # type: ignore[arg-type]


class DeclareForm(forms.Form):
    node = forms.CharField(
        label=_("Node (plant code)"),
        max_length=64,
        help_text=_("The faulty node: every plant it feeds is within the incident's reach."),
    )
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    cause = forms.CharField(
        label=_("Cause"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    public_message = forms.CharField(
        label=_("Public message"),
        max_length=PUBLIC_MESSAGE_MAX,
        help_text=_("What operators read out, subscribers receive and the status page shows."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": PUBLIC_MESSAGE_MAX}),
    )
    eta = LocalDateTimeField(label=_("Estimated restoration"), required=False)


class UpdateForm(forms.Form):
    public_text = forms.CharField(
        label=_("New public message"),
        max_length=PUBLIC_MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": PUBLIC_MESSAGE_MAX}),
    )
    eta = LocalDateTimeField(
        label=_("New estimated restoration"), required=False, help_text=_("Empty: unchanged.")
    )


class ResolveForm(forms.Form):
    public_text = forms.CharField(
        label=_("Final message"),
        max_length=PUBLIC_MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": PUBLIC_MESSAGE_MAX}),
    )


class AttachForm(forms.Form):
    """One proposal attached from the incident's page."""

    kind = forms.ChoiceField(choices=[("call", "call"), ("alarm", "alarm"), ("intervention", "intervention")])
    item = forms.IntegerField(min_value=1)


class CallAttachForm(forms.Form):
    """The call screen's banner: attach the call; subscribe its number when the caller said yes."""

    subscribe = forms.BooleanField(label=_("The caller wants the updates by SMS"), required=False)
    number = forms.CharField(label=_("Number"), max_length=40, required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("subscribe") and not (data.get("number") or "").strip():
            self.add_error("number", _("Give the number the caller wants the updates on."))
        return data
