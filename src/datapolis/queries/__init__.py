"""The query services: what every face asks of a dataset's data, without HTTP or Django.

The Explore API, the portal's pages, the tiles and (next) the dashboards call these
functions with a `QueryTarget` — a dataset's fields, its current version and what the
caller may see of it, as decided by the access policy — and a plain request (filters,
select, paging). They compile ODSQL through the checker and run it on the target's store:

- `records`: a page of rows or groups with its total, one record by id, filtered counts;
- `facets`: facet values and counts, under the same filters;
- `exports`: a streamed file of the caller's records;
- `datasets`: the catalog queried with ODSQL over its metadata (the catalog as a table).

Errors are `QueryError` (400) and `NotFound` (404), with the Explore API's error codes.
"""
