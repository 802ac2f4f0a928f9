from django.db import models
from django.utils.translation import gettext_lazy as _


class MemberRole(models.TextChoices):
    OPERATOR = "operator", _("Operator")
    TECHNICIAN = "technician", _("Technician")


class AreaKind(models.TextChoices):
    """From the most specific to the least: a plant's own team wins over its municipality's."""

    PLANT = "plant", _("Plant")
    MUNICIPALITY = "municipality", _("Municipality")
    PROVINCE = "province", _("Province")


# Lower is more specific.
AREA_SPECIFICITY = {AreaKind.PLANT: 0, AreaKind.MUNICIPALITY: 1, AreaKind.PROVINCE: 2}
