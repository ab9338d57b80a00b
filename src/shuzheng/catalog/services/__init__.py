"""Every write of the catalog, by topic: `versions` (items and their draft → published → retired
versions), `bulk` (many items published at once), `guide_groups`, `search` (the guide index); `cleaning`
and `content` are what they share."""
