"""Where a dataset's data comes from, and when it is fetched again (docs/sources.md).

A dataset may have one source (a URL, an FTP or SFTP server, a folder of this server, a
GIS feature service) and a schedule. A refresh fetches the source; an unchanged source
makes no version; a changed one is imported through `catalog.services`, with the
dataset's processing steps and schema. Freshness says when each dataset should next be
updated and opens an incident, e-mailed once to its owners, when it is late or its
refresh fails.
"""
