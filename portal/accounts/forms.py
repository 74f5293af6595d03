"""The account forms: they clean and normalise what people type (NFC, numbers without spaces or dots, phones as
``0…``) and leave every write to ``portal.accounts.services``."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, FormerProvince
from portal.accounts.backends import normalise_id_number, normalise_identifier, normalise_phone
from portal.accounts.models import User
from portal.common.text import nfc

MOBILE_PREFIXES = "35789"


class DescribedBoundField(BoundField):
    """Each input names its hint and its error (``aria-describedby``) and says when it is wrong (``aria-invalid``);
    the templates print them with the ids ``<id>_helptext`` and ``<id>_error``."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        ids = []
        if self.help_text:
            ids.append(f"{self.auto_id}_helptext")
        if self.form.is_bound and self.errors:
            ids.append(f"{self.auto_id}_error")
            attrs["aria-invalid"] = "true"
        if ids:
            attrs["aria-describedby"] = " ".join(ids)
        return attrs


#: Django's Vietnamese catalogue lacks this one validator message (it is a plural); said here instead
PASSWORD_TOO_SHORT = _("Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.")
PASSWORD_HINT = _("Ít nhất 8 ký tự, không chỉ gồm chữ số, không quá giống họ tên hay số CCCD.")


def _vietnamese_password_errors(error):
    if not isinstance(error, forms.ValidationError) or not hasattr(error, "error_list"):
        return error
    return forms.ValidationError(
        [
            forms.ValidationError(PASSWORD_TOO_SHORT, code=item.code, params=item.params)
            if item.code == "password_too_short"
            else item
            for item in error.error_list
        ]
    )


class VietnamesePasswordErrors:
    """Every password error the form adds, in the person's language (see :data:`PASSWORD_TOO_SHORT`)."""

    def add_error(self, field, error):
        super().add_error(field, _vietnamese_password_errors(error))


class AccessibleForm(VietnamesePasswordErrors, forms.Form):
    bound_field_class = DescribedBoundField


def clean_name(value: str) -> str:
    return nfc(value or "")


def clean_id_number(value: str) -> str:
    text = normalise_id_number(value)
    ok = (len(text) == 12 and text.isdigit()) or (len(text) == 10 and text.isdigit())
    ok = ok or (len(text) == 14 and text[:10].isdigit() and text[10] == "-" and text[11:].isdigit())
    if not ok:
        raise forms.ValidationError(
            _("Nhập số CCCD gồm đúng 12 chữ số (doanh nghiệp: mã số thuế 10 chữ số, hoặc 10 chữ số-3 chữ số)."),
            code="invalid",
        )
    return text


def clean_mobile(value: str) -> str:
    text = normalise_phone(value)
    if not (len(text) == 10 and text.isdigit() and text[0] == "0" and text[1] in MOBILE_PREFIXES):
        raise forms.ValidationError(
            _("Nhập số điện thoại di động 10 chữ số, ví dụ 0912345678 hoặc +84 912 345 678."), code="invalid"
        )
    return text


class RegisterForm(AccessibleForm):
    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
        help_text=_("Như trên thẻ căn cước, có dấu."),
    )
    id_number = forms.CharField(
        label=_("Số CCCD"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("12 chữ số trên thẻ căn cước. Doanh nghiệp nhập mã số thuế."),
    )
    phone = forms.CharField(
        label=_("Số điện thoại di động"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("Để nhận tin nhắn về hồ sơ và đăng nhập bằng số điện thoại."),
    )
    email = forms.EmailField(
        label=_("Thư điện tử (không bắt buộc)"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        help_text=_("Cần có để tự đặt lại mật khẩu khi quên; kết quả hồ sơ cũng được báo qua thư."),
    )
    password1 = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=PASSWORD_HINT,
    )
    password2 = forms.CharField(
        label=_("Nhập lại mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_full_name(self) -> str:
        name = clean_name(self.cleaned_data["full_name"])
        if not name:
            raise forms.ValidationError(_("Nhập họ và tên."), code="required")
        return name

    def clean_id_number(self) -> str:
        return clean_id_number(self.cleaned_data["id_number"])

    def clean_phone(self) -> str:
        return clean_mobile(self.cleaned_data["phone"])

    def clean_email(self) -> str:
        return nfc(self.cleaned_data.get("email") or "").lower()

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", forms.ValidationError(_("Hai mật khẩu không giống nhau."), code="mismatch"))
        elif first:
            probe = User(
                username=cleaned.get("id_number") or "",
                full_name=cleaned.get("full_name") or "",
                id_number=cleaned.get("id_number"),
                phone=cleaned.get("phone") or "",
                email=cleaned.get("email") or "",
            )
            try:
                password_validation.validate_password(first, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LoginForm(AccessibleForm):
    """One identifier (CCCD, phone or user name) and a password; one message for every failure."""

    username = forms.CharField(
        label=_("Số CCCD hoặc số điện thoại"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}
        ),
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _("Số CCCD/số điện thoại hoặc mật khẩu không đúng."),
    }

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        identifier = normalise_identifier(self.cleaned_data.get("username") or "")
        password = self.cleaned_data.get("password")
        if identifier and password:
            # the request goes along so that django-axes counts the attempt (identifier, address) and may refuse it
            self.user = authenticate(self.request, username=identifier, password=password)
            if self.user is None:
                raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return self.cleaned_data

    def get_user(self):
        return self.user


class CommuneChoiceField(forms.ModelChoiceField):
    """The 148 communes in a ``<select>`` grouped by former province (``<optgroup>``), sorted by name."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Commune.objects.order_by("name_folded"), **kwargs)

    def label_from_instance(self, obj) -> str:
        return obj.name

    def grouped_choices(self) -> list:
        groups: dict[str, list] = {value: [] for value, _label in FormerProvince.choices}
        for commune in self.queryset:
            groups.setdefault(commune.former_province, []).append((commune.pk, commune.name))
        labels = dict(FormerProvince.choices)
        return [("", self.empty_label)] + [(labels.get(key, key), items) for key, items in groups.items() if items]


class ProfileForm(AccessibleForm):
    full_name = RegisterForm.base_fields["full_name"]
    id_number = forms.CharField(
        label=_("Số CCCD"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("12 chữ số trên thẻ căn cước. Doanh nghiệp nhập mã số thuế."),
    )
    phone = forms.CharField(
        label=_("Số điện thoại di động"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Thư điện tử"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        help_text=_("Cần có để tự đặt lại mật khẩu khi quên."),
    )
    address = forms.CharField(
        label=_("Địa chỉ"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
        help_text=_("Số nhà, đường, thôn/tổ dân phố."),
    )
    commune = CommuneChoiceField(
        label=_("Xã, phường"),
        required=False,
        empty_label=_("— Chọn xã, phường —"),
        help_text=_("Một trong 148 xã, phường của tỉnh; trung tâm của xã này được chọn sẵn khi nộp hồ sơ."),
    )
    language = forms.ChoiceField(
        label=_("Ngôn ngữ"),
        choices=[("vi", "Tiếng Việt"), ("en", "English")],
        widget=forms.RadioSelect,
        help_text=_("Ngôn ngữ của các trang, thư và tin nhắn."),
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = self.fields["commune"].grouped_choices()

    def clean_full_name(self) -> str:
        return RegisterForm.clean_full_name(self)

    def clean_id_number(self) -> str | None:
        value = self.cleaned_data.get("id_number") or ""
        if not value.strip():
            if self.user.id_number:
                raise forms.ValidationError(_("Nhập số CCCD."), code="required")
            return None
        return clean_id_number(value)

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone") or ""
        if not value.strip():
            if not self.user.is_staff:
                raise forms.ValidationError(_("Nhập số điện thoại di động."), code="required")
            return ""
        if normalise_phone(value) == self.user.phone:
            return self.user.phone  # an older number kept as it is (staff landlines)
        return clean_mobile(value)

    def clean_email(self) -> str:
        return nfc(self.cleaned_data.get("email") or "").lower()

    def clean_address(self) -> str:
        return nfc(self.cleaned_data.get("address") or "")


class ResetRequestForm(PasswordResetForm):
    bound_field_class = DescribedBoundField

    email = forms.EmailField(
        label=_("Thư điện tử"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        help_text=_("Địa chỉ thư bạn đã lưu trong tài khoản."),
    )


class NewPasswordForm(VietnamesePasswordErrors, SetPasswordForm):
    bound_field_class = DescribedBoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_HINT  # one plain sentence, not Django's HTML list


class ChangePasswordForm(VietnamesePasswordErrors, PasswordChangeForm):
    bound_field_class = DescribedBoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_HINT
