"""Forget cached check settings when the settings they come from change: the only signals here."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from dispatch.models import Plant

from .models import PlantTelecontrol, TelecontrolProfile
from .selectors import plant_check_settings_forget


@receiver(post_save, sender=PlantTelecontrol)
@receiver(post_delete, sender=PlantTelecontrol)
@receiver(post_save, sender=TelecontrolProfile)
@receiver(post_delete, sender=TelecontrolProfile)
@receiver(post_save, sender=Plant)  # a plant's kind chooses its profile
def check_settings_changed(sender, **kwargs):
    plant_check_settings_forget()
