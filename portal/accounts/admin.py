from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["centre", "processing_unit"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Định danh"), {"fields": ("full_name", "id_number", "phone")}))
    list_display = ("username", "full_name", "email", "is_staff")
    search_fields = ("username", "full_name", "email")
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "centre", "processing_unit", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("user__username", "user__full_name", "centre__name", "processing_unit__name")
    autocomplete_fields = ["user", "centre", "processing_unit"]
