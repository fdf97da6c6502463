"""What the pages show, one module per page, computed through the access layer and the query services.

Views stay thin: they read the request, call one function of a page module, and render.
Every dataset read goes through `access.querying.open_dataset` (the access policy) and the
query services (`datapolis.queries`) that the Explore API calls too, so a page shows exactly
what the API would return for the same parameters, with the caller's row filters and visible
fields applied by the query layer. No SQL is written here.
"""
