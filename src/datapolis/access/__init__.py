"""Access rights: accounts, roles, dataset grants, API keys, single sign-on, audit log.

`datapolis.access.policy` decides what a principal sees of a dataset; everything else
here manages the rows it reads.
"""
