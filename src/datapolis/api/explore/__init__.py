"""The Explore API v2.1: the Opendatasoft-compatible query, facet and export API.

Apps built on Opendatasoft's `/api/explore/v2.1/` work against Datapolis by changing only
the base URL. Views (views.py) are thin: they parse parameters (params.py), ask the access
policy what the caller may see (datasets.py), and call the query services (records.py,
facets.py, catalog.py, exports.py), which compile ODSQL with the caller's row filters and
visible fields and run it on the engine.
"""
