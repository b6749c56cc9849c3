"""The toy tab's partial."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from aicoach.accounts.deps import CurrentUser
from aicoach.plugin import Tab

router = APIRouter(include_in_schema=False)
TAB = Tab(id="toy", title="Toy", url="/tabs/toy", order=90, icon="")


@router.get("/tabs/toy")
async def toy_tab(user: CurrentUser) -> HTMLResponse:
    return HTMLResponse(f"<section data-toy-tab>Lucky numbers for {user.display_name}</section>")
