from django.urls import path

from rooms.web import message_views, room_settings, switcher, threads, views

app_name = "rooms"
urlpatterns = [
    path("", views.lobby, name="lobby"),
    path("rooms/new/", views.create_room, name="create"),
    path("dm/", views.start_direct, name="start_direct"),
    path("dm/<str:username>/", views.direct, name="direct"),
    path("search/", views.search, name="search"),
    path("switcher/", switcher.switcher, name="switcher"),
    path("viewer.css", views.viewer_css, name="viewer_css"),
    path("rooms/<slug:slug>/", views.show_room, name="room"),
    path("rooms/<slug:slug>/threads/<int:pk>/", threads.thread, name="thread"),
    path("rooms/<slug:slug>/threads/<int:pk>/read/", threads.read, name="thread_read"),
    path("threads/", threads.followed, name="threads"),
    path("rooms/<slug:slug>/messages/", message_views.post_message, name="messages"),
    path("rooms/<slug:slug>/members/", views.members, name="members"),
    path("rooms/<slug:slug>/mute/", views.mute, name="mute"),
    path("rooms/<slug:slug>/settings/", room_settings.room_settings, name="settings"),
    path("rooms/<slug:slug>/archive/", room_settings.archive, name="archive"),
    path("rooms/<slug:slug>/leave/", room_settings.leave, name="leave"),
    path("read/", views.read_all, name="read_all"),
    path("rooms/<slug:slug>/unread/", views.unread_count, name="unread"),
    path("rooms/<slug:slug>/mentions/", views.mention_options, name="mentions"),
    path("messages/<int:pk>/edit/", message_views.edit_message, name="edit_message"),
    path(
        "messages/<int:pk>/history/",
        message_views.message_history,
        name="message_history",
    ),
    path("attachments/<int:pk>/", message_views.attachment, name="attachment"),
    path(
        "attachments/<int:pk>/thumbnail/",
        message_views.attachment,
        {"thumbnail": True},
        name="attachment_thumbnail",
    ),
    path(
        "messages/<int:pk>/delete/", message_views.delete_message, name="delete_message"
    ),
    path("messages/<int:pk>/react/", message_views.react, name="react"),
    path("emoji/", message_views.emoji_options, name="emoji"),
    path(
        "previews/<int:pk>/image/",
        message_views.link_preview_image,
        name="link_preview_image",
    ),
    path(
        "previews/<int:pk>/remove/",
        message_views.remove_link_preview,
        name="remove_link_preview",
    ),
    path(
        "rooms/<slug:slug>/members/<int:user_id>/remove/",
        views.remove_member,
        name="remove_member",
    ),
]
