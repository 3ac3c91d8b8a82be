from django.contrib import admin

from voting.models import Decision, Poll, Vote


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = ["id", "scope", "episode", "screening", "status", "opens_at", "closes_at"]
    list_filter = ["scope", "status"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["id", "poll", "branch", "receipt", "cast_at"]
    list_filter = ["poll"]
    readonly_fields = ["poll", "ticket", "branch", "receipt", "cast_at", "updated_at"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["poll", "branch", "reason", "total_votes", "decided_at"]
    readonly_fields = ["poll", "branch", "reason", "counts", "total_votes", "digest", "decided_at"]
