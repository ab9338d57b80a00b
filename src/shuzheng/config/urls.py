from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from oauth2_provider import urls as oauth2_urls
from oauth2_provider import views as oauth2_views

from shuzheng.core.api import api
from shuzheng.core.urls import urlpatterns as ops_urlpatterns
from shuzheng.identity import oidc

api.add_router("/orgs", "shuzheng.orgs.api.router")
api.add_router("/identity", "shuzheng.identity.api.router")
api.add_router("/audit", "shuzheng.identity.audit_api.router")
api.add_router("/appeals", "shuzheng.appeals.api.router")
api.add_router("/datahub", "shuzheng.datahub.api.router")
api.add_router("/cases", "shuzheng.cases.api.router")
api.add_router("/catalog", "shuzheng.catalog.api.router")
api.add_router("/evaluation", "shuzheng.evaluation.api.router")
api.add_router("/licences", "shuzheng.licences.api.router")
api.add_router("/instant-approval", "shuzheng.instant_approval.api.router")
api.add_router("/bundles", "shuzheng.bundles.api.router")
api.add_router("/indicators", "shuzheng.indicators.api.router")
api.add_router("/notifications", "shuzheng.web.api.router")

admin.site.site_header = "数政 · 管理后台"
admin.site.site_title = "数政管理后台"
admin.site.index_title = "配置与基础数据"

urlpatterns = [
    *ops_urlpatterns,
    path("api/v1/", api.urls),
    # The CKAN Action API of the open-data portal (/api/3/action/<name>, /api/action/<name>).
    path("", include("shuzheng.datahub.ckan.urls")),
    path("admin/", admin.site.urls),
    # Open311 GeoReport v2 (form-encoded POST per the standard, so outside /api/)
    path("open311/v2/", include("shuzheng.appeals.open311")),
    path("accounts/", include("shuzheng.identity.urls")),
    # Short alias of the JWKS document (/o/.well-known/jwks.json), which discovery advertises.
    path("o/jwks/", oauth2_views.JwksInfoView.as_view(), name="oidc-jwks"),
    # The consent page in Chinese (same URL as oauth2_provider:authorize, matched first).
    path("o/authorize/", oidc.AuthorizationView.as_view(), name="oidc-authorize"),
    # Discovery without HS256 (matched before oauth2_provider's own view of the same URL).
    path(".well-known/openid-configuration", oidc.DiscoveryView.as_view(), name="oidc-discovery"),
    path("o/.well-known/openid-configuration", oidc.DiscoveryView.as_view()),
    # The provider's endpoints only: client applications are registered in the admin, not by any
    # logged-in user through oauth2_provider's self-service pages (its management_urlpatterns).
    path(
        "o/",
        include(
            (
                oauth2_urls.metadata_urlpatterns
                + oauth2_urls.base_urlpatterns
                + oauth2_urls.oidc_urlpatterns,
                "oauth2_provider",
            ),
            namespace="oauth2_provider",
        ),
    ),
    # 办事指南 (/guide/...) and the catalog workbench (/workbench/catalog/...)
    path("", include("shuzheng.catalog.urls")),
    path("", include("shuzheng.evaluation.urls")),
    # 办件: workbench (/workbench/cases/...) and portal (/cases/...)
    path("", include("shuzheng.cases.urls")),
    # 诉求 (/workbench/appeals/..., /appeals/...) and the data hub (/workbench/datahub/..., /open-data/...)
    path("", include("shuzheng.appeals.urls")),
    path("", include("shuzheng.datahub.urls")),
    # DCAT-AP 3 export of the open-data catalog at the site root (/catalog.ttl, /dataset/<id>.jsonld)
    path("", include("shuzheng.datahub.views_dcat")),
    # 电子证照与电子印章, 秒批, 一件事 bundles, the plan's indicators
    path("", include("shuzheng.licences.urls")),
    path("", include("shuzheng.instant_approval.urls")),
    path("", include("shuzheng.bundles.urls")),
    path("", include("shuzheng.indicators.urls")),
    path("", include("shuzheng.web.urls")),
]

handler400 = "shuzheng.core.views.bad_request"
handler403 = "shuzheng.core.views.permission_denied"
handler404 = "shuzheng.core.views.page_not_found"
handler500 = "shuzheng.core.views.server_error"

if settings.DEBUG:  # pragma: no cover
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
