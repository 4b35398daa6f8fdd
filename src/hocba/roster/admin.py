from django.contrib import admin

from hocba.roster.models import Enrolment, SchoolClass, Student, Teacher, TeachingAssignment


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    autocomplete_fields = ["school_class"]


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ["full_name", "student_code", "birth_date", "school"]
    list_filter = ["school"]
    search_fields = ["full_name", "student_code", "personal_id"]
    inlines = [EnrolmentInline]


@admin.register(SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ["name", "grade", "school", "school_year", "homeroom_teacher"]
    list_filter = ["school_year", "school"]
    search_fields = ["name", "school__name"]
    autocomplete_fields = ["homeroom_teacher"]


@admin.register(Teacher)
class TeacherAdmin(admin.ModelAdmin):
    list_display = ["full_name", "staff_code", "school", "main_subject"]
    list_filter = ["school"]
    search_fields = ["full_name", "staff_code"]


@admin.register(TeachingAssignment)
class TeachingAssignmentAdmin(admin.ModelAdmin):
    list_display = ["teacher", "subject", "school_class"]
    autocomplete_fields = ["teacher", "school_class"]
