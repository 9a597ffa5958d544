import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.forms import AccountDeleteForm
from accounts.services import user_data_export, user_delete


@require_safe
@login_required
@never_cache
def data(request: HttpRequest) -> HttpResponse:
    """Your data: download it, or delete your account."""
    return render(request, "accounts/data.html", {"form": AccountDeleteForm(user=request.user)})


@require_safe
@login_required
@never_cache
def data_export(request: HttpRequest) -> HttpResponse:
    payload = json.dumps(user_data_export(user=request.user), indent=2, ensure_ascii=False)
    filename = f"lectern-data-{timezone.now():%Y-%m-%d}.json"
    response = HttpResponse(payload, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["POST"])
@login_required
def delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, "accounts/data.html", {"form": form}, status=400)
    user = request.user
    logout(request)
    user_delete(user=user)
    messages.success(request, "Your account and everything attached to it have been deleted.")
    return redirect("courses:catalog")
