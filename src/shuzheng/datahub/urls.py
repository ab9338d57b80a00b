"""Pages of the datahub context (workbench and portal); each page module appends its own paths here."""

from django.urls import path  # noqa: F401 - used as page modules add their paths

app_name = "datahub"

urlpatterns: list = []

# The public open-data portal (/open-data/...).
from shuzheng.datahub.views_open import urlpatterns as open_data_urlpatterns  # noqa: E402

urlpatterns += open_data_urlpatterns

# The staff workbench (/workbench/datahub/...): catalog, mounting, sharing, access logs, quality.
from shuzheng.datahub.views_workbench import urlpatterns as workbench_urlpatterns  # noqa: E402

urlpatterns += workbench_urlpatterns
