from django.contrib import admin

from hocba.organisation.models import School, SchoolPlaceNames, SchoolYear, Unit


@admin.register(SchoolYear)
class SchoolYearAdmin(admin.ModelAdmin):
    list_display = ["name", "start", "end"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


class PlaceNamesInline(admin.TabularInline):
    model = SchoolPlaceNames
    extra = 0


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "province", "area"]
    list_filter = ["province"]
    search_fields = ["name", "code"]
    inlines = [PlaceNamesInline]
