"""Keep the role cache (``dispatch.roles``) true to group membership: the only signals here."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, pre_delete
from django.dispatch import receiver

from .roles import user_roles_forget

User = get_user_model()


@receiver(m2m_changed, sender=User.groups.through)
def roles_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_") and action != "pre_clear":
        return
    if reverse:  # group.user_set.add(...): instance is the group
        user_ids = pk_set if pk_set else list(instance.user_set.values_list("pk", flat=True))
    else:
        user_ids = [instance.pk]
    user_roles_forget(user_ids)


@receiver(pre_delete, sender=Group)
def group_deleted(sender, instance, **kwargs):
    user_roles_forget(list(instance.user_set.values_list("pk", flat=True)))
