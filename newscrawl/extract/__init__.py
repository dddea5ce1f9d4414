"""From an article page to its fields: HTML, JSON-LD, main text, layouts, dates and language.

This layer imports neither Scrapy nor the archive: extraction worker processes import only it (and
the outlets' facts)."""
