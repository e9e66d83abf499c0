from django.contrib import admin

from advisor.models import Assessment, AuditEvent, Membership, ProfileVersion, Team, Workload


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]


@admin.register(Workload)
class WorkloadAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "version", "updated_at")
    list_filter = ("team",)
    # Profiles change only through services, which keep the history.
    readonly_fields = ("team", "name", "profile", "version", "created_by")


@admin.register(ProfileVersion, Assessment)
class ReadOnlyAdmin(admin.ModelAdmin):
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: an audit log that can be edited proves nothing."""

    list_display = ("created_at", "team", "actor", "action", "target_type", "target_id", "target_name")
    list_filter = ("action", "team")
    search_fields = ("target_name", "actor__username")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
