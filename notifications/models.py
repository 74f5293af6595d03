"""The notification outbox: one row per message, per recipient, per channel.

A row is written in the same transaction as the change that causes it (a rolled-back action leaves none, a committed
one always has its row) and delivered by Celery after commit (``notifications.services``). Its ``dedupe_key`` is
unique: the same notice — for a reminder, the dossier, the kind, the due moment it refers to, the recipient and the
channel — can never be written twice, whoever tries. In-app rows are delivered by being written (status ``sent``);
the person reads them through ``/api/me/notifications/``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    # to the citizen
    FILED = "filed", _("Đã nhận hồ sơ nộp trực tuyến")
    RECEIVED = "received", _("Hồ sơ được tiếp nhận")
    REFUSED = "refused", _("Hồ sơ không được tiếp nhận")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung hồ sơ")
    SUPPLEMENT_REMINDER = "supplement_reminder", _("Nhắc bổ sung hồ sơ")
    PAYMENT_REQUESTED = "payment_requested", _("Yêu cầu nộp phí, lệ phí")
    RESULT_READY = "result_ready", _("Hồ sơ đã có kết quả")
    RETURNED = "returned", _("Đã trả kết quả")
    STOPPED = "stopped", _("Dừng xử lý hồ sơ")
    EXTENDED = "extended", _("Xin lỗi và hẹn lại ngày trả kết quả")
    WITHDRAWAL_CONFIRMED = "withdrawal_confirmed", _("Xác nhận rút hồ sơ")
    # to the staff
    DUE_SOON = "due_soon", _("Hồ sơ sắp đến hạn")
    OVERDUE = "overdue", _("Hồ sơ quá hạn")
    ESCALATION = "escalation", _("Hồ sơ quá hạn kéo dài")
    NOT_TRANSFERRED = "not_transferred", _("Hồ sơ chưa được chuyển xử lý")
    DIGEST_UNIT = "digest_unit", _("Bản tin hằng ngày của đơn vị")
    DIGEST_PROVINCE = "digest_province", _("Bản tin hằng ngày toàn tỉnh")


#: The reminders that refer to a due moment: cancelled when the due moment moves or the clock stops.
DUE_KINDS = frozenset({Kind.DUE_SOON, Kind.OVERDUE, Kind.ESCALATION})
STAFF_KINDS = frozenset(
    {Kind.DUE_SOON, Kind.OVERDUE, Kind.ESCALATION, Kind.NOT_TRANSFERRED, Kind.DIGEST_UNIT, Kind.DIGEST_PROVINCE}
)


class Channel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")
    INAPP = "inapp", _("Trên cổng")


class Status(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi không thành công")
    CANCELLED = "cancelled", _("Đã hủy")


class Notification(models.Model):
    kind = models.CharField(_("loại"), max_length=24, choices=Kind.choices)
    channel = models.CharField(_("kênh"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("tình trạng"), max_length=10, choices=Status.choices, default=Status.PENDING)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("người nhận"),
    )
    address = models.CharField(_("địa chỉ nhận"), max_length=254, blank=True)
    language = models.CharField(_("ngôn ngữ"), max_length=8, default="vi")
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("hồ sơ"),
    )
    due_ref = models.DateTimeField(_("hạn được nhắc"), null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    context = models.JSONField(default=dict, blank=True)
    attachments = models.JSONField(default=list, blank=True)

    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("gửi từ"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    read_at = models.DateTimeField(_("đọc lúc"), null=True, blank=True)
    subject = models.CharField(_("tiêu đề đã gửi"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        indexes = [
            # the re-dispatcher and /readyz: pending rows by the moment they are due to be tried
            models.Index(
                fields=["next_attempt_at"], name="notification_pending_idx", condition=models.Q(status="pending")
            ),
            # a person's in-app list: unread first
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox_idx"),
            models.Index(fields=["dossier", "kind"], name="notification_dossier_idx"),
            models.Index(fields=["status", "kind"], name="notification_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.get_channel_display()} — {self.get_status_display()}"


class MessageTemplate(models.Model):
    """The text of one kind of notice on one channel in one language, editable in the admin (Django template
    syntax; the variables of each kind are listed on the admin page). A row the admin has not edited only shows the
    built-in text (kept up to date by ``templates_ensure`` at every migrate); an edited one replaces it."""

    kind = models.CharField(_("loại"), max_length=24, choices=Kind.choices)
    channel = models.CharField(_("kênh"), max_length=8, choices=Channel.choices)
    language = models.CharField(_("ngôn ngữ"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("tiêu đề"), max_length=300, blank=True)
    body = models.TextField(_("nội dung"))
    edited = models.BooleanField(
        _("đã sửa"),
        default=False,
        help_text=_("Mẫu đã được sửa trong trang quản trị; mẫu chưa sửa luôn theo nội dung dựng sẵn của phiên bản."),
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        ordering = ["kind", "channel", "language"]
        verbose_name = _("mẫu thông báo")
        verbose_name_plural = _("mẫu thông báo")
        constraints = [
            models.UniqueConstraint(fields=["kind", "channel", "language"], name="uniq_message_template"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.get_channel_display()} — {self.language}"
