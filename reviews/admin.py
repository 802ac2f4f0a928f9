from django.contrib import admin

from .models import ReviewCriterion


@admin.register(ReviewCriterion)
class ReviewCriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "weight", "position", "active"]
