"""Dossiers and their history. State changes only through ``dossiers.services``.

The dossier row records, as indexed columns, every fact the deadline reminders, the province's indicators and
the sync with the national portal need, so that none of them has to replay a dossier's history: state and national
status, channel, reception / processing / return units, received / due / finished moments, supplement count,
timeliness, payment, rating.
"""

from __future__ import annotations

import functools
import operator

from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.db.models.functions import Coalesce
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _

from dossiers.workflow import CLOCK_RUNNING_STATES, NATIONAL_STATUS, STATE_LABELS, Action, State
from portal.common.models import TimeStampedModel
from portal.common.text import fold

StateChoices = models.TextChoices("StateChoices", [(s.name, (s.value, STATE_LABELS[s])) for s in State])
ActionChoices = models.TextChoices("ActionChoices", [(a.name, (a.value, a.value)) for a in Action])


class ReturnMethod(models.TextChoices):
    """How the result reaches the applicant (form 01's return place). ``return_centre`` is the centre that returns
    it: at its counter, or by posting it (Decision 45/2016: the public postal service), or — for a procedure that is
    fully online (toàn trình, Decree 42/2022) — as an electronic result in the applicant's account."""

    COUNTER = "counter", _("Nhận tại quầy")
    POST = "post", _("Nhận qua dịch vụ bưu chính công ích")
    ONLINE = "online", _("Nhận bản điện tử trên cổng")


class Channel(models.TextChoices):
    ONLINE = "online", _("Trực tuyến")
    DIRECT = "direct", _("Trực tiếp")
    POST = "post", _("Bưu chính")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("Cá nhân")
    ORGANISATION = "organisation", _("Tổ chức")


class Timeliness(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Giải quyết")
    DENIED = "denied", _("Từ chối giải quyết")


class Rating(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Rất hài lòng")
    SATISFIED = "satisfied", _("Hài lòng")
    NOT_SATISFIED = "not_satisfied", _("Không hài lòng")


class Dossier(TimeStampedModel):
    code = models.CharField(_("mã hồ sơ"), max_length=40, unique=True, null=True, blank=True)
    reference = models.CharField(_("mã tham chiếu tạm"), max_length=20, unique=True)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)

    procedure_version = models.ForeignKey(
        "procedures.ProcedureVersion", on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("thủ tục")
    )
    procedure = models.ForeignKey("procedures.Procedure", on_delete=models.PROTECT, related_name="dossiers")
    field = models.ForeignKey("procedures.ProcedureField", on_delete=models.PROTECT, related_name="dossiers")
    level = models.CharField(_("cấp"), max_length=12, db_index=True)

    state = models.CharField(_("trạng thái"), max_length=24, choices=StateChoices.choices, db_index=True)
    status_code = models.PositiveSmallIntegerField(_("mã trạng thái quốc gia"), db_index=True)
    channel = models.CharField(_("kênh nộp"), max_length=10, choices=Channel.choices, db_index=True)

    applicant_kind = models.CharField(max_length=14, choices=ApplicantKind.choices, default=ApplicantKind.PERSON)
    applicant_name = models.CharField(_("người nộp"), max_length=200)
    # the name folded (portal.common.text.fold: no diacritics, lower case), set by save(): the staff desk's search
    applicant_name_folded = models.CharField(max_length=200, blank=True, default="", editable=False)
    applicant_id_number = models.CharField(_("số định danh"), max_length=14, db_index=True)
    applicant_phone = models.CharField(_("điện thoại"), max_length=16, db_index=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    organisation_name = models.CharField(_("tên tổ chức"), max_length=300, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="filed_dossiers",
        verbose_name=_("tài khoản nộp"),
    )

    reception_centre = models.ForeignKey(
        "communes.ServiceCentre", on_delete=models.PROTECT, related_name="received_dossiers"
    )
    return_centre = models.ForeignKey(
        "communes.ServiceCentre", on_delete=models.PROTECT, related_name="returned_dossiers"
    )
    return_method = models.CharField(
        _("cách nhận kết quả"), max_length=8, choices=ReturnMethod.choices, default=ReturnMethod.COUNTER
    )
    return_address = models.CharField(_("địa chỉ nhận kết quả qua bưu chính"), max_length=300, blank=True)
    processing_unit = models.ForeignKey("communes.ProcessingUnit", on_delete=models.PROTECT, related_name="dossiers")
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_dossiers",
        verbose_name=_("cán bộ xử lý"),
    )

    filed_at = models.DateTimeField(_("nộp lúc"), db_index=True)
    received_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True, db_index=True)
    due_at = models.DateTimeField(_("hẹn trả"), null=True, blank=True, db_index=True)
    extended_due_at = models.DateTimeField(_("hẹn lại (mẫu 04)"), null=True, blank=True)
    paused_at = models.DateTimeField(_("tạm dừng tính thời gian từ"), null=True, blank=True)
    remaining_seconds = models.BigIntegerField(
        _("thời gian làm việc còn lại khi tạm dừng (giây)"), null=True, blank=True
    )
    transferred_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("hoàn thành lúc"), null=True, blank=True, db_index=True)
    returned_at = models.DateTimeField(_("trả kết quả lúc"), null=True, blank=True)

    supplement_count = models.PositiveSmallIntegerField(_("số lần yêu cầu bổ sung"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("số lần hẹn lại"), default=0)
    timeliness = models.CharField(_("tiến độ"), max_length=8, choices=Timeliness.choices, blank=True, db_index=True)
    # working time from reception to the finish, supplement pauses taken out (dossiers.deadlines.processing_time)
    processing_seconds = models.BigIntegerField(_("thời gian giải quyết (giây làm việc)"), null=True, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=10, choices=Outcome.choices, blank=True)
    result_document = models.CharField(_("văn bản kết quả"), max_length=500, blank=True)
    closing_reason = models.TextField(_("lý do"), blank=True)

    fee_vnd = models.PositiveBigIntegerField(_("phí, lệ phí (đồng)"), null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # the moment the last supplement arrived (form 02 answered): the desk's "supplement returned" queue
    supplemented_at = models.DateTimeField(_("bổ sung lúc"), null=True, blank=True)
    paid_online = models.BooleanField(default=False)

    rating = models.CharField(_("đánh giá"), max_length=16, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("ý kiến"), blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    legacy_code = models.CharField(_("mã hồ sơ hệ thống cũ"), max_length=60, blank=True)
    legacy_unit = models.CharField(_("đơn vị cũ"), max_length=200, blank=True)

    # The deadline watch (dossiers/services/reminders.py): which reminders were written, for which due moment. A
    # sweep looks only at dossiers whose marks lag behind their (effective) due moment; a moved due moment makes them
    # lag again.
    remind_due_soon_for = models.DateTimeField(null=True, blank=True, editable=False)
    remind_overdue_for = models.DateTimeField(null=True, blank=True, editable=False)
    remind_escalated_for = models.DateTimeField(null=True, blank=True, editable=False)
    remind_transfer_at = models.DateTimeField(null=True, blank=True, editable=False)
    remind_supplement_for = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        indexes = [
            models.Index(fields=["processing_unit", "state"], name="dossier_unit_state_idx"),
            models.Index(fields=["reception_centre", "state"], name="dossier_centre_state_idx"),
            models.Index(fields=["state", "due_at"], name="dossier_state_due_idx"),
            # the deadline sweep: the effective due moment (the apology letter's new date, else the appointment) of
            # the dossiers whose clock runs
            models.Index(
                Coalesce("extended_due_at", "due_at"),
                name="dossier_running_due_idx",
                # one equality per state (not IN): PostgreSQL prints it back as it was written, so the bulk loader's
                # drop-and-rebuild of the indexes gives the same definition
                condition=functools.reduce(
                    operator.or_, (models.Q(state=state.value) for state in sorted(CLOCK_RUNNING_STATES))
                ),
            ),
            models.Index(
                fields=["paused_at"], name="dossier_paused_idx", condition=models.Q(state="supplement_requested")
            ),
            models.Index(
                fields=["received_at"], name="dossier_untransferred_idx", condition=models.Q(state="received")
            ),
            # the province dashboard's refresh reads the dossiers changed since its last run (stats.services)
            models.Index(fields=["updated_at"], name="dossier_updated_idx"),
            models.Index(fields=["legacy_code"], name="dossier_legacy_code_idx", condition=~models.Q(legacy_code="")),
        ]
        constraints = [
            models.CheckConstraint(
                name="dossier_status_code_range", condition=models.Q(status_code__gte=1, status_code__lte=10)
            ),
            models.CheckConstraint(name="dossier_single_extension", condition=models.Q(extension_count__lte=1)),
        ]

    def __str__(self) -> str:
        return self.public_code

    @property
    def public_code(self) -> str:
        """The code people know the dossier by: its code; before reception, its provisional reference; for a
        transitional dossier, the code on the old system's receipt."""
        return self.code or self.legacy_code or self.reference

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "applicant_name" in update_fields:
            self.applicant_name_folded = fold(self.applicant_name)[:200]
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "applicant_name_folded"}
        super().save(*args, **kwargs)

    @property
    def state_enum(self) -> State:
        return State(self.state)

    def return_place(self) -> str:
        """Where and how the result reaches the applicant, in words (form 01, the lookup, the citizen's pages)."""
        centre = self.return_centre
        at_centre = f"{centre.name}, {centre.address}" if centre.address else centre.name
        if self.return_method == ReturnMethod.POST:
            return _("Qua dịch vụ bưu chính công ích, gửi đến: %(address)s (do %(centre)s gửi)") % {
                "address": self.return_address,
                "centre": centre.name,
            }
        if self.return_method == ReturnMethod.ONLINE:
            return _("Bản điện tử trên Cổng dịch vụ công, trong tài khoản của người nộp")
        return at_centre

    def set_state(self, state: State) -> None:
        self.state = state.value
        self.status_code = NATIONAL_STATUS[state]


class Pause(models.Model):
    """A supplement pause: the clock stops from the request until the complete supplement arrives."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    remaining_seconds = models.BigIntegerField(help_text="working time left on the clock when it stopped")
    reason = models.TextField(blank=True)
    missing_components = models.JSONField(default=list)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=models.Q(ended_at__isnull=True), name="one_open_pause_per_dossier"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} paused {self.started_at:%Y-%m-%d %H:%M}"


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk ``update()`` and ``delete()`` are refused too (on PostgreSQL a trigger refuses them for every client)."""

    def update(self, **kwargs):
        raise PermissionError("audit events are append-only")

    def delete(self):
        raise PermissionError("audit events are append-only")


class AuditEvent(models.Model):
    """Append-only history: who did what, when, from which state to which (a trigger also refuses changes)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    actor_role = models.CharField(max_length=12, blank=True)
    action = models.CharField(max_length=24, choices=ActionChoices.choices)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24)
    reason = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events are append-only")


class ControlSlipRow(models.Model):
    """Form 06: one row per hand-off, early / on time / late against the step's allowance."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="control_slip")
    step = models.CharField(max_length=24, choices=ActionChoices.choices)
    from_unit = models.CharField(max_length=300, blank=True)
    to_unit = models.CharField(max_length=300, blank=True)
    handed_at = models.DateTimeField()
    received_at = models.DateTimeField()
    allowed_until = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    timeliness = models.CharField(max_length=8, choices=Timeliness.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["handed_at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.step}"


class DailySequence(models.Model):
    """The last dossier number issued by a reception centre on a day (codes are gap-free per centre and day)."""

    centre = models.ForeignKey("communes.ServiceCentre", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["centre", "day"], name="uniq_sequence_centre_day")]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.day} {self.last}"


class IdempotencyKey(models.Model):
    """A filing's ``Idempotency-Key``: a retry by the same user returns the first dossier."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="uniq_idempotency_key")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"


# --- Documents: scans and results, private storage, audited downloads ----------------------------------------------


class _PrivateStorage(LazyObject):
    """``storages["private"]``, looked up when first used and again after ``STORAGES`` changes (tests)."""

    def _setup(self):
        from django.core.files.storage import storages

        self._wrapped = storages["private"]


_private = _PrivateStorage()


@receiver(setting_changed)
def _private_storage_changed(*, setting, **kwargs):
    if setting == "STORAGES":
        _private._wrapped = empty


def private_storage():
    """Dossier files never live under a public URL: the ``private`` storage (local disk or S3 in production)."""
    return _private


def document_path(instance: Document, filename: str) -> str:
    return f"dossiers/{instance.dossier_id}/{instance.sha256[:2]}/{instance.sha256}-{filename}"


class DocumentKind(models.TextChoices):
    COMPONENT = "component", _("Thành phần hồ sơ")
    RESULT = "result", _("Kết quả giải quyết")


class Document(models.Model):
    """A scanned component or the digitised result, tied to a component of the pinned procedure version."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("loại"), max_length=10, choices=DocumentKind.choices, default=DocumentKind.COMPONENT)
    component = models.ForeignKey(
        "procedures.Component",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("thành phần"),
        help_text=_("Trống: giấy tờ khác"),
    )
    file = models.FileField(_("tệp"), storage=private_storage, upload_to=document_path, max_length=300)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(_("định dạng"), max_length=40)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(max_length=64, db_index=True)
    is_original_scan = models.BooleanField(_("scan từ bản chính"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("tải lên lúc"))

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("tài liệu hồ sơ")
        verbose_name_plural = _("tài liệu hồ sơ")

    def __str__(self) -> str:
        return self.original_name


class ReceivedComponent(models.Model):
    """Form 01: a component received on paper at the counter, with original/copy and count."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="paper_components")
    component = models.ForeignKey(
        "procedures.Component", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    copy_kind = models.CharField(_("bản chính / bản sao"), max_length=10, default="original")
    count = models.PositiveSmallIntegerField(_("số lượng"), default=1)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ×{self.count}"


class DocumentDownload(models.Model):
    """Every download of a dossier file is recorded (who, when)."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.document_id} {self.at:%Y-%m-%d %H:%M}"


# --- Online filing drafts: the citizen's wizard, saved server-side until it is filed ----------------------------------


def _draft_key() -> str:
    import secrets

    return secrets.token_urlsafe(32)


def draft_file_path(instance: FilingDraftFile, filename: str) -> str:
    """``drafts/<draft id>/<sha256>-<component>.pdf``: never the user's name (kept in ``original_name``)."""
    return f"drafts/{instance.draft_id}/{instance.sha256}-{filename}"


class FilingDraft(models.Model):
    """A citizen's filing in progress (``/nop-ho-so/<code>/``): the steps' data, the uploaded files, and once filed the
    dossier. ``key`` is the filing's idempotency key: submitting the same draft twice files one dossier."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="filing_drafts")
    procedure_code = models.CharField(_("mã thủ tục"), max_length=30)
    procedure_version = models.ForeignKey(
        "procedures.ProcedureVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    key = models.CharField(max_length=64, unique=True, default=_draft_key, editable=False)
    data = models.JSONField(_("dữ liệu các bước"), default=dict, blank=True)
    dossier = models.ForeignKey(Dossier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(_("nộp lúc"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("hồ sơ nộp dở")
        verbose_name_plural = _("hồ sơ nộp dở")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "procedure_code"],
                condition=models.Q(submitted_at__isnull=True),
                name="uniq_open_draft_per_procedure",
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.procedure_code}"


class FilingDraftFile(models.Model):
    """A file uploaded into a draft, already checked like a dossier's documents; one per component."""

    draft = models.ForeignKey(FilingDraft, on_delete=models.CASCADE, related_name="files")
    component = models.ForeignKey(
        "procedures.Component", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file = models.FileField(_("tệp"), storage=private_storage, upload_to=draft_file_path, max_length=300)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(_("định dạng"), max_length=40)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(max_length=64)
    is_original_scan = models.BooleanField(_("scan từ bản chính"), default=False)
    uploaded_at = models.DateTimeField(_("tải lên lúc"))

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
