from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from hocba.accounts.models import RoleAssignment, User


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["student"]
    exclude = ["granted_by"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()),
                 ("Định danh", {"fields": ("full_name", "personal_id")}))
    list_display = ["username", "full_name", "is_staff", "is_active"]
    search_fields = ["username", "full_name"]
    inlines = [RoleInline]
