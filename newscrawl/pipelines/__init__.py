"""Item pipelines, one concern each, in the order the settings give: deduplicate (exact), reprints
(near-duplicates), language, publication date, archive."""
