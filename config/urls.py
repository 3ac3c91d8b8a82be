from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.auth_api import TokenObtainApi
from config.health import healthz
from config.views import api_not_found
from screenings.views.home import home
from voting.live import urls as live_urls

api_patterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("screenings.api.urls")),
    path("", include("voting.api.urls")),
    path("", include(live_urls.api_urlpatterns)),
    re_path(r"^(?P<rest>.*)$", api_not_found),  # last: unknown API paths get the JSON 404, even under DEBUG
]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("screenings.urls")),
    path("", include("voting.urls")),
    path("", include(live_urls.urlpatterns)),
]

if settings.DEBUG:  # production serves media from the reverse proxy or object storage
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "config.views.not_found"
handler500 = "config.views.server_error"
