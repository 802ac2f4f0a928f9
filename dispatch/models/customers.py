"""Customers, their contacts, plants with their documents and known numbers, and user profiles."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dispatch.choices import (
    STAFF_ROLES,
    DocumentKind,
    PlantKind,
    Role,
    ServiceClass,
)
from dispatch.files import file_content_allowed, file_image_required
from dispatch.models.common import NOTES_MAX_LENGTH
from dispatch.visibility import SELF, Visibility


class Customer(models.Model):
    """A utility (gas distributor, water company, lift maintainer...) that hires the call centre."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    service_class = models.CharField(
        _("service class"), max_length=16, choices=ServiceClass.choices, default=ServiceClass.SILVER
    )
    active = models.BooleanField(_("active"), default=True)

    # Staff see every customer; a utility user its own (its reports).
    visibility = Visibility(everyone=STAFF_ROLES, customer=SELF)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person at a customer: who receives reports, who to call about its plants."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone_number = models.CharField(_("phone number"), max_length=20, blank=True, help_text=_("E.164"))
    receives_reports = models.BooleanField(_("receives reports"), default=False)

    class Meta:
        ordering = ["customer", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.customer})"


class Plant(models.Model):
    """A plant or building a customer has us watch: gas cabin, lift, pumping station..."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="plants")
    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=PlantKind.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    province = models.CharField(
        _("province"),
        max_length=2,
        blank=True,
        validators=[
            RegexValidator(r"^[A-Z]{2}$", _("Two capital letters, as on a number plate (MI, TO …)."))
        ],
        help_text=_("Two-letter code (MI, TO …): the teams' areas use it."),
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    active = models.BooleanField(_("in service"), default=True)
    notes = models.TextField(_("notes"), blank=True, validators=[MaxLengthValidator(NOTES_MAX_LENGTH)])

    visibility = Visibility(everyone=STAFF_ROLES | {Role.TECHNICIAN}, customer="customer")

    class Meta:
        ordering = ["code"]
        verbose_name = _("plant")
        verbose_name_plural = _("plants")
        constraints = [
            models.CheckConstraint(
                name="plant_latitude_range",
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            ),
            models.CheckConstraint(
                name="plant_longitude_range",
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PlantDocument(models.Model):
    """A file in the plant's archive (manuals, drawings, certificates) sent to technicians, the
    faxes sent about the plant's interventions (``kind`` fax, indexed by plant and date), and
    the photos technicians took on site (``kind`` photo, with their intervention)."""

    plant = models.ForeignKey(Plant, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=DocumentKind.choices, default=DocumentKind.DOCUMENT
    )
    # Judged by content (dispatch.files): what the admin, the phone and the fax renderer store.
    file = models.FileField(_("file"), upload_to="plants/%Y/%m/", validators=[file_content_allowed])
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # A photo erased as personal data (ADR 0002): its file deleted, the row kept for the history.
    personal_erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attach_to_assignments = models.BooleanField(
        _("attach to assignment emails"),
        default=False,
        help_text=_("Sent to the technician with every intervention on this plant."),
    )
    intervention = models.ForeignKey(
        "Intervention",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        help_text=_("For a fax or a photo: the intervention it was about."),
    )
    # A received fax (issue 20): who sent it (their number, or the mailbox's sender), when it
    # arrived and how many pages it has, indexed with the plant's archive.
    received_from = models.CharField(_("received from"), max_length=254, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    pages = models.PositiveSmallIntegerField(_("pages"), null=True, blank=True)

    # The plant's archive is for whoever may see the plant. A fax or a photo belongs to its
    # intervention: staff, and the technicians ever assigned to it. The utility reads its own
    # plants' archive and its interventions' photos (the evidence of the work it pays for), not
    # the faxes sent and received: the call centre's orders to a technician and what came back.
    visibility = Visibility(
        everyone=STAFF_ROLES,
        customer="plant__customer",
        customer_rows=~Q(kind__in=(DocumentKind.FAX, DocumentKind.FAX_RECEIVED)),
        technician="intervention__assignments__technician",
        technician_rows=Q(kind=DocumentKind.DOCUMENT),
    )

    class Meta:
        ordering = ["plant", "title"]
        verbose_name = _("plant document")
        verbose_name_plural = _("plant documents")
        indexes = [models.Index(fields=["plant", "kind", "uploaded_at"], name="plant_document_kind_idx")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # A photo is shown inline in pages: it must be an image the browser shows, nothing else.
        if self.kind == DocumentKind.PHOTO and self.file:
            try:
                file_image_required(self.file)
            except ValidationError as exc:
                raise ValidationError({"file": exc.messages}) from exc

    @property
    def filename(self) -> str:
        """The stored file's name without its folder: what a download or an attachment is called."""
        return (self.file.name or "").rsplit("/", 1)[-1]


class KnownNumber(models.Model):
    """A phone number that identifies a plant when it calls (a lift's alarm line, a caretaker)."""

    number = models.CharField(_("number"), max_length=20, db_index=True, help_text=_("E.164"))
    plant = models.ForeignKey(Plant, on_delete=models.CASCADE, related_name="known_numbers")
    label = models.CharField(_("label"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("known number")
        verbose_name_plural = _("known numbers")
        constraints = [
            models.UniqueConstraint(fields=["number", "plant"], name="known_number_unique_per_plant")
        ]

    def __str__(self) -> str:
        return f"{self.number} → {self.plant.code}"


class UserProfile(models.Model):
    """What Pronto needs to know of a user beyond its role: a utility user's customer, contacts."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("For utility users: the only customer whose data they may see."),
    )
    mobile_number = models.CharField(_("mobile number"), max_length=20, blank=True, help_text=_("E.164"))
    # Technicians: what they can work on, whether they are on duty, and where they last were
    # (the suggestion of whom to send orders by these).
    skills = models.JSONField(
        _("skills"), default=list, blank=True, help_text=_("Plant kinds this technician works on.")
    )
    on_duty = models.BooleanField(_("on duty"), default=False)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    position_at = models.DateTimeField(_("position at"), null=True, blank=True)
    position_accuracy_m = models.PositiveIntegerField(_("position accuracy (m)"), null=True, blank=True)
    # What the messages to this user are written in (the fax, SMS and email to a technician);
    # blank means the centre's default language.
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=settings.LANGUAGES, default=""
    )

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        skills = self.skills if isinstance(self.skills, list) else None
        if skills is None or any(skill not in PlantKind.values for skill in skills):
            raise ValidationError(
                {"skills": _("A list of plant kinds: %(kinds)s.") % {"kinds": ", ".join(PlantKind.values)}}
            )
