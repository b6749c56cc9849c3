"""Account pages: sign-up, log-in, log-out, settings and admin (plain forms, POST-redirect-GET)."""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from aicoach.accounts import security
from aicoach.accounts.deps import (
    AdminUser,
    BrowserPrincipal,
    OptionalPrincipal,
    Principal,
    ThrottlerDep,
)
from aicoach.accounts.schemas import (
    ApiTokenCreate,
    InviteCreate,
    LoginIn,
    PasswordChangeIn,
    SignupIn,
)
from aicoach.accounts.service import AccountService
from aicoach.errors import AICoachError
from aicoach.kit.orm import utcnow
from aicoach.observability.context import register_secret
from aicoach.web import cookies
from aicoach.web.csrf import rotate_csrf_token
from aicoach.web.deps import RowId, SessionDep, SettingsDep, client_ip
from aicoach.web.validation import readable, summary

router = APIRouter(include_in_schema=False)
M = TypeVar("M", bound=BaseModel)
_NEW_TOKEN_COOKIE = "aicoach_new_token"  # noqa: S105 (a cookie name)

_NOTICES = {
    "password": "Password changed. Your other sessions were logged out, your API tokens revoked.",
    "sessions": "Logged out of every other session.",
    "session": "Session ended.",
    "token-revoked": "API token revoked.",
    "invite": "Invite created.",
    "invite-revoked": "Invite revoked.",
    "profile": "Profile saved.",
}


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: an open redirect after log-in is a phishing tool."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    data = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    for key in ("password", "current_password", "new_password"):
        register_secret(data.get(key))  # never in a Sentry event, whatever field it lands in
    return data


def _form_problems(exc: ValidationError) -> str:
    """Every problem with the form, in one paragraph a person reads."""
    return summary(readable(exc.errors()))


def _parse(model: type[M], data: dict[str, Any]) -> M:
    return model.model_validate({k: v for k, v in data.items() if k in model.model_fields})


def _login_cookie(response: Response, token: str, request: Request, max_age: int) -> None:
    """The session cookie, and a new CSRF token: none from before the log-in carries over."""
    cookies.set_cookie(response, request, security.SESSION_COOKIE, token, max_age=max_age)
    rotate_csrf_token(response, request)


def _render(
    request: Request,
    template: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status_code, headers=headers
    )
    return response


@router.get("/login")
async def login_page(
    request: Request, principal: OptionalPrincipal, next: str | None = None
) -> Response:
    if principal is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _render(request, "auth/login.html", next=_safe_next(next), form={})


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    throttler: ThrottlerDep,
    next: str | None = None,
) -> Response:
    """One connection at a time, from the request's own session: the attempt is counted (and
    committed) first, then the password is checked, then the session is started."""
    data = await _form(request)
    ip = client_ip(request)
    try:
        creds = _parse(LoginIn, data)
        service = AccountService(session, settings)
        async with throttler.attempt(session, creds.email, ip):
            user = await service.authenticate(creds.email, creds.password)
            await throttler.succeeded(session, creds.email, ip)
        new = await service.start_session(
            user, user_agent=request.headers.get("user-agent", ""), ip=ip
        )
    except ValidationError as exc:
        return _render(
            request, "auth/login.html", 422, error=_form_problems(exc), form=data, next=next
        )
    except AICoachError as exc:
        return _render(
            request, "auth/login.html", exc.status_code, headers=exc.headers(),
            error=exc.message, form=data, next=next,
        )  # fmt: skip
    response = RedirectResponse(_safe_next(next), status_code=303)
    _login_cookie(response, new.token, request, settings.session_ttl_hours * 3600)
    return response


@router.get("/signup")
async def signup_page(request: Request, principal: OptionalPrincipal, invite: str = "") -> Response:
    if principal is not None:
        return RedirectResponse("/", status_code=303)
    return _render(request, "auth/signup.html", form={"invite_code": invite})


@router.post("/signup")
async def signup(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    data = await _form(request)
    try:
        signup_in = _parse(SignupIn, data)
        service = AccountService(session, settings)
        user = await service.signup(signup_in)
        new = await service.start_session(
            user, user_agent=request.headers.get("user-agent", ""), ip=client_ip(request)
        )
    except ValidationError as exc:
        return _render(request, "auth/signup.html", 422, error=_form_problems(exc), form=data)
    except AICoachError as exc:
        await session.rollback()  # nothing half-written: no claim, no spent invite
        return _render(request, "auth/signup.html", exc.status_code, error=exc.message, form=data)
    response = RedirectResponse("/", status_code=303)
    _login_cookie(response, new.token, request, settings.session_ttl_hours * 3600)
    return response


@router.post("/logout")
async def logout(
    request: Request, principal: OptionalPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    if principal is not None and principal.session_id is not None:
        await AccountService(session, settings).end_session(principal.user.id, principal.session_id)
    response = RedirectResponse("/login", status_code=303)
    cookies.delete_cookie(response, request, security.SESSION_COOKIE)
    return response


@router.get("/settings")
async def settings_page(
    request: Request, principal: BrowserPrincipal, session: SessionDep, settings: SettingsDep,
    notice: str = "", error: str = "",
) -> Response:  # fmt: skip
    new_token = cookies.read_cookie(request, _NEW_TOKEN_COOKIE, path="/settings") or ""
    response = await _settings_view(
        request, principal, AccountService(session, settings), notice=_NOTICES.get(notice, ""),
        error=error[:300],
        new_token=new_token if new_token.startswith(security.API_TOKEN_PREFIX) else "",
    )  # fmt: skip
    if new_token:
        cookies.delete_cookie(response, request, _NEW_TOKEN_COOKIE, path="/settings")
    return response


async def _settings_view(
    request: Request, principal: Principal, service: AccountService, **context: Any
) -> Response:
    return _render(
        request,
        "settings/page.html",
        sessions=await service.repo.user_sessions(principal.user.id, utcnow()),
        tokens=await service.repo.user_tokens(principal.user.id),
        current_session_id=principal.session_id,
        **{"notice": "", "error": "", "new_token": "", **context},
    )


def _back(notice: str = "", error: str = "", page: str = "/settings") -> Response:
    query = f"notice={notice}" if notice else f"error={quote(error)}"
    return RedirectResponse(f"{page}?{query}", status_code=303)


@router.post("/settings/profile")
async def settings_profile(request: Request, principal: BrowserPrincipal) -> Response:
    name = (await _form(request)).get("display_name", "").strip()[:80]
    if not name:
        return _back(error="Display name cannot be empty.")
    principal.user.display_name = name
    return _back("profile")


@router.post("/settings/password")
async def settings_password(
    request: Request, principal: BrowserPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    try:
        data = _parse(PasswordChangeIn, await _form(request))
        await AccountService(session, settings).change_password(
            principal.user, data.current_password, data.new_password, principal.session_id
        )
    except ValidationError as exc:
        return _back(error=_form_problems(exc))
    except AICoachError as exc:
        return _back(error=exc.message)
    return _back("password")


@router.post("/settings/sessions/{session_id}/end")
async def settings_end_session(
    session_id: RowId, principal: BrowserPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    await AccountService(session, settings).end_session(principal.user.id, session_id)
    return _back("session")


@router.post("/settings/sessions/end-others")
async def settings_end_others(
    principal: BrowserPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    await AccountService(session, settings).end_other_sessions(
        principal.user.id, principal.session_id
    )
    return _back("sessions")


@router.post("/settings/tokens")
async def settings_create_token(
    request: Request, principal: BrowserPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    form = await request.form()
    fields = {**await _form(request), "scopes": form.getlist("scopes") or ["read"]}
    try:
        data = _parse(ApiTokenCreate, fields)
        _, secret = await AccountService(session, settings).create_token(principal.user, data)
    except ValidationError as exc:
        return _back(error=_form_problems(exc))
    except AICoachError as exc:
        return _back(error=exc.message)
    # Shown once on the next GET. The secret rides in a one-shot cookie, never in a URL (URLs end
    # up in logs and history), and the redirect keeps a reload from creating a second token.
    response = RedirectResponse("/settings#tokens", status_code=303)
    cookies.set_cookie(
        response, request, _NEW_TOKEN_COOKIE, secret, max_age=120, path="/settings",
        samesite="strict",
    )  # fmt: skip
    return response


@router.post("/settings/tokens/{token_id}/revoke")
async def settings_revoke_token(
    token_id: RowId, principal: BrowserPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    await AccountService(session, settings).revoke_token(principal.user.id, token_id)
    return _back("token-revoked")


@router.get("/admin")
async def admin_page(
    request: Request, admin: AdminUser, session: SessionDep, settings: SettingsDep,
    notice: str = "", error: str = "",
) -> Response:  # fmt: skip
    service = AccountService(session, settings)
    return _render(
        request,
        "admin/page.html",
        users=await service.list_users(admin),
        invites=await service.list_invites(admin),
        now=utcnow(),
        notice=_NOTICES.get(notice, ""),
        error=error[:300],
    )


@router.post("/admin/invites")
async def admin_create_invite(
    request: Request, admin: AdminUser, session: SessionDep, settings: SettingsDep
) -> Response:
    try:
        data = _parse(InviteCreate, await _form(request))
    except ValidationError as exc:
        return _back(error=_form_problems(exc), page="/admin")
    await AccountService(session, settings).create_invite(admin, data)
    return _back("invite", page="/admin")


@router.post("/admin/invites/{invite_id}/revoke")
async def admin_revoke_invite(
    invite_id: RowId, admin: AdminUser, session: SessionDep, settings: SettingsDep
) -> Response:
    try:
        await AccountService(session, settings).revoke_invite(admin, invite_id)
    except AICoachError as exc:
        return _back(error=exc.message, page="/admin")
    return _back("invite-revoked", page="/admin")
