"""The archive's read-only web view: Datasette over the index, configured for the archive (search
with the archive's folding and word forms, facets, a page per record, charts); see ``docs/search.md``."""
