"""The publishing back office: agents create, preview, describe, publish and manage datasets.

Views are thin; what they do is in `services.py`, which composes the catalog services
(`datapolis.catalog.services`), the access policy and the audit log. Uploaded and
downloaded files are kept under the instance's uploads folder with random names until
their import is done; they are never served.
"""
