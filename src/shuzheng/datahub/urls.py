"""Pages of the datahub context (workbench and portal); each page module appends its own paths here."""

from django.urls import path  # noqa: F401 - used as page modules add their paths

app_name = "datahub"

urlpatterns: list = []

# The public open-data portal (/open-data/...).
from shuzheng.datahub.views_open import urlpatterns as open_data_urlpatterns  # noqa: E402

urlpatterns += open_data_urlpatterns

# The staff workbench (/workbench/datahub/...): catalog and mounting, sharing and access logs, quality.
from shuzheng.datahub.views_catalog import urlpatterns as catalog_urlpatterns  # noqa: E402
from shuzheng.datahub.views_quality import urlpatterns as quality_urlpatterns  # noqa: E402
from shuzheng.datahub.views_sharing import urlpatterns as sharing_urlpatterns  # noqa: E402

urlpatterns += catalog_urlpatterns + sharing_urlpatterns + quality_urlpatterns
