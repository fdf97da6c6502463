"""The admin API's endpoints for preparing data, added to `datapolis.access.api.api` (/api/admin/).

`datapolis.access.api` holds the admin API itself (its authentication, its errors, the
endpoints of the access CLI commands). The endpoints that reach apps above `access` —
a dataset's source and its refreshes (`datapolis.sources`) — cannot live there
(.importlinter: `access` is below `sources`), so this face adds one router per concept:

- `sources`: `/datasets/{id}/source`, `/datasets/{id}/refresh`
- `preparation`: `/datasets/{id}/steps`, `/steps/preview`, `/schema`, `/validation`
- `history`: `/datasets/{id}/lineage`, `/datasets/{id}/compare`
- `personal_data`: `/datasets/{id}/personal-data`, `/personal-data` (the register)

Every endpoint uses the admin API's authentication and error answers, and checks its right
with `datapolis.access.policy`. `urls()` adds the routers once and returns the URL
patterns, mounted by `datapolis.api.urls`.
"""

from __future__ import annotations

from datapolis.access.api import api
from datapolis.api.admin import history, personal_data, preparation, sources

ROUTERS = (sources.router, preparation.router, history.router, personal_data.router)


def urls():
    """The admin API's URL patterns, with this face's routers added (once)."""
    attached = {id(router) for _prefix, router in api._routers}
    for router in ROUTERS:
        if id(router) not in attached:
            api.add_router("", router)
    return api.urls
