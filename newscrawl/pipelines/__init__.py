"""Item pipelines, one concern each, in the order the settings give: deduplicate, language,
publication date, archive."""
