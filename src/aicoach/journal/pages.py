"""The Journal tab: its registration in the shell and its HTMX partial.

The partial's markup and its browser modules belong to the Journal tab's front end
(``web/templates/journal/_tab.html``, ``web/static/js/journal/``); this route only serves it.
Until that template exists, a plain placeholder keeps the tab working.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import TemplateNotFound

from aicoach.accounts.deps import CurrentUser
from aicoach.plugin import Tab

router = APIRouter(include_in_schema=False)

TAB = Tab(id="journal", title="Journal", url="/tabs/journal", order=30, icon="book")
TEMPLATE = "journal/_tab.html"
_PLACEHOLDER = (
    '<section class="journal-tab" data-journal-tab>'
    "<p>Your trade journal: import a broker file through <code>/api/journal/imports</code> "
    "or the <code>aicoach journal import</code> command.</p></section>"
)


@router.get("/tabs/journal")
async def journal_tab(request: Request, _: CurrentUser) -> Response:
    templates = request.app.state.templates
    try:
        templates.env.get_template(TEMPLATE)
    except TemplateNotFound:
        return HTMLResponse(_PLACEHOLDER)
    response: Response = templates.TemplateResponse(request, TEMPLATE, {})
    return response
