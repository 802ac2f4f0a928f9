import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from dispatch.choices import PlantKind, ServiceClass
from dispatch.models import Customer, Plant, UserProfile


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"customer{n}")
    name = factory.Sequence(lambda n: f"Customer {n}")
    service_class = ServiceClass.SILVER


class PlantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plant
        django_get_or_create = ("code",)

    customer = factory.SubFactory(CustomerFactory)
    code = factory.Sequence(lambda n: f"PLANT-{n:04d}")
    name = factory.Sequence(lambda n: f"Plant {n}")
    kind = PlantKind.GAS_CABIN
    address = "Via Roma 1, Milano"


class UserFactory(factory.django.DjangoModelFactory):
    """A user with an optional role (group) and, for utility users, a customer."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or f"demo-{self.username}")
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])

    @factory.post_generation
    def customer(self, create, extracted, **kwargs):
        if create and extracted is not None:
            UserProfile.objects.update_or_create(user=self, defaults={"customer": extracted})
