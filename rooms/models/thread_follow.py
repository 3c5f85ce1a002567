from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


class ThreadFollowQuerySet(models.QuerySet):
    def follow(self, thread, people, *, read_up_to=0):
        """Have these people follow the thread; keep existing follows."""
        self.bulk_create(
            [
                self.model(user_id=pk, thread=thread, last_read_id=read_up_to)
                for pk in people
            ],
            ignore_conflicts=True,
        )

    def followers(self, thread_ids):
        """Return {thread id: ids of its followers} for these threads."""
        following = defaultdict(set)
        for thread_id, user_id in self.filter(thread__in=set(thread_ids)).values_list(
            "thread", "user"
        ):
            following[thread_id].add(user_id)
        return following

    def mark_read(self, user, thread, reply_id):
        """Move this person's mark in the thread up to reply_id, never back."""
        self.filter(user=user, thread=thread, last_read_id__lt=reply_id).update(
            last_read_id=reply_id
        )

    def of(self, user):
        """Return this person's follows of threads in rooms they may read."""
        Message = self.model._meta.get_field("thread").related_model
        Room = Message._meta.get_field("room").related_model
        return self.filter(user=user, thread__room__in=Room.objects.visible_to(user))

    def unread_count(self, user):
        """Return how many threads this person follows have new replies by others."""
        Message = self.model._meta.get_field("thread").related_model
        newer = Message.objects.filter(
            thread=OuterRef("thread_id"), pk__gt=OuterRef("last_read_id")
        ).exclude(author=user)
        return self.of(user).filter(Exists(newer)).count()

    def for_list(self, user):
        """Return the threads this person follows, unread first, then by
        their latest reply; each with unread_count (replies by others)."""
        Message = self.model._meta.get_field("thread").related_model
        unread = (
            Message.objects.filter(
                thread=OuterRef("thread_id"), pk__gt=OuterRef("last_read_id")
            )
            .exclude(author=user)
            .values("thread")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            self.of(user)
            .filter(thread__reply_count__gt=0)
            .select_related("thread__room", "thread__author__profile")
            .prefetch_related(
                models.Prefetch(
                    "thread__mentions",
                    queryset=get_user_model().objects.select_related("profile"),
                )
            )
            .annotate(unread_count=Coalesce(Subquery(unread), Value(0)))
            .order_by(F("unread_count").desc(), F("thread__last_reply").desc())
        )


class ThreadFollow(models.Model):
    """Someone who follows a thread (started it, replied, or was mentioned
    in it), and how far they have read its replies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="followed_threads",
        on_delete=models.CASCADE,
    )
    thread = models.ForeignKey(
        "Message", related_name="followers", on_delete=models.CASCADE
    )
    # The newest reply this person was shown.
    last_read_id = models.BigIntegerField(default=0)

    objects = ThreadFollowQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="one_thread_follow")
        ]

    def __str__(self):
        return f"{self.user} follows {self.thread_id}"
