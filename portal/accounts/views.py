"""Account pages: register, log in and out, password reset and change, profile. Thin: the forms clean, the
services write (``portal.accounts.services``), django-axes counts log-ins (``portal.accounts.backends``)."""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts.forms import (
    ChangePasswordForm,
    LoginForm,
    NewPasswordForm,
    ProfileForm,
    RegisterForm,
    ResetRequestForm,
)
from portal.accounts.services import DuplicateIdentity, user_register, user_update_profile
from portal.common.language import remember_language
from portal.common.throttles import ClientAddressThrottle

#: the backend a new account is logged in with (it is the one that knows CCCD and phone)
IDENTITY_BACKEND = "portal.accounts.backends.IdentityBackend"


class RegisterThrottle(ClientAddressThrottle):
    """``settings.REGISTER_RATE`` (default ``20/hour``) registration attempts per client address, valid or not (each
    can ask whether a CCCD has an account; the limit keeps that from becoming a bulk oracle)."""

    scope = "register"
    rate_setting = "REGISTER_RATE"
    limited_message = gettext_lazy("Bạn đã gửi quá nhiều yêu cầu đăng ký; vui lòng thử lại sau %(minutes)d phút.")
    in_minutes = True


def safe_next(request, default: str = "my-dossiers") -> str:
    """``next`` from the form or the query string when it stays on this site, else the default page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


@sensitive_post_parameters("password1", "password2", "id_number", "phone")
@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def register(request):
    if request.user.is_authenticated:
        return redirect(safe_next(request))
    form = RegisterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        throttle = RegisterThrottle()
        if not throttle.allow_request(request, None):
            seconds = max(1, math.ceil(throttle.wait() or 0))
            response = render(
                request,
                "accounts/register.html",
                {"form": form, "next": safe_next(request, "my-dossiers"), "limited": throttle.limited_detail(seconds)},
                status=429,
            )
            response["Retry-After"] = str(seconds)
            return response
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = user_register(
                    full_name=data["full_name"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    email=data["email"],
                    password=data["password1"],
                    language=request.LANGUAGE_CODE if request.LANGUAGE_CODE in ("vi", "en") else "vi",
                )
            except DuplicateIdentity as exc:
                form.add_error(exc.field, exc.message)
                form.duplicate = exc.field
            else:
                auth_login(request, user, backend=IDENTITY_BACKEND)
                messages.success(request, _("Đã tạo tài khoản. Bạn đã đăng nhập."))
                return redirect(safe_next(request))
        status = 400
    return render(request, "accounts/register.html", {"form": form, "next": safe_next(request)}, status=status)


def _home_of(user) -> str:
    """Where a log-in lands without a ``next``: the province office on the province dashboard, other staff at their
    desk, everyone else on their own dossiers."""
    from dossiers.selectors import access_for

    access = access_for(user)
    if access.province and not (access.reception_centres or access.handler_units or access.leader_units):
        return "dashboard"
    return "desk" if access.is_staff_member else "my-dossiers"


@sensitive_post_parameters("password", "username")
@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def login(request):
    """Log in with CCCD, phone or user name. Each failure is counted per identifier and address (django-axes) and
    per address (``LoginAddressLimit``); a locked-out pair or address gets the 429 page
    (``portal.common.throttles.login_locked_out``) from django-axes' middleware (``portal.common.authentication``)."""
    if request.user.is_authenticated and request.method != "POST":
        return redirect(safe_next(request, _home_of(request.user)))
    form = LoginForm(request, data=request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            auth_login(request, form.get_user())
            return redirect(safe_next(request, _home_of(request.user)))
        status = 400
    # only a page the person was sent from: without one, where they land depends on who logs in (``_home_of``)
    asked = request.POST.get("next") or request.GET.get("next")
    context = {"form": form, "next": safe_next(request) if asked else ""}
    return render(request, "accounts/login.html", context, status=status)


@require_POST
@csrf_protect
def logout(request):
    auth_logout(request)
    messages.success(request, _("Bạn đã đăng xuất."))
    return redirect("home")


@sensitive_post_parameters("id_number", "phone")
@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    user = request.user
    initial = {
        "full_name": user.full_name,
        "id_number": user.id_number or "",
        "phone": user.phone,
        "email": user.email,
        "address": user.address,
        "commune": user.commune_id,
        "language": user.language,
    }
    form = ProfileForm(request.POST or None, initial=initial, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                changed = user_update_profile(
                    user=user,
                    full_name=data["full_name"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    email=data["email"],
                    address=data["address"],
                    commune_id=data["commune"].pk if data["commune"] else None,
                    language=data["language"],
                )
            except DuplicateIdentity as exc:
                form.add_error(exc.field, exc.message)
            else:
                response = redirect("profile")
                if "language" in changed:
                    remember_language(request, response, data["language"])
                messages.success(request, _("Đã lưu thông tin tài khoản."))
                return response
        status = 400
    return render(request, "accounts/profile.html", {"form": form}, status=status)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = ChangePasswordForm
    success_url = reverse_lazy("profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Đã đổi mật khẩu."))
        return response


class ResetThrottle(ClientAddressThrottle):
    """``settings.PASSWORD_RESET_RATE`` (default ``10/hour``) reset requests per client address: each may send a
    mail, and the portal must not become a way to flood someone's inbox."""

    scope = "password_reset"
    rate_setting = "PASSWORD_RESET_RATE"
    limited_message = gettext_lazy("Bạn đã gửi quá nhiều yêu cầu; vui lòng thử lại sau %(minutes)d phút.")
    in_minutes = True


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def post(self, request, *args, **kwargs):
        throttle = ResetThrottle()
        if not throttle.allow_request(request, None):
            seconds = max(1, math.ceil(throttle.wait() or 0))
            context = self.get_context_data(form=self.get_form(), limited=throttle.limited_detail(seconds))
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(seconds)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # the link in the mail is built on the portal's public address, never on the request's Host header
        self.extra_email_context = {"base_url": settings.PUBLIC_BASE_URL}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
