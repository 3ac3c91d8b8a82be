from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_page
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.auth_api import TokenObtainApi
from config.health import healthz
from config.views import api_not_found
from screenings.views.home import home
from screenings.views.media import media_file
from voting.live import urls as live_urls

api_patterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("screenings.api.urls")),
    path("", include("voting.api.urls")),
    path("", include(live_urls.api_urlpatterns)),
    # Last: unknown API paths get the JSON 404, even under DEBUG ([\s\S]: a %0A in the path too).
    re_path(r"^(?P<rest>[\s\S]*)$", api_not_found),
]

urlpatterns = [
    path("", home, name="home"),
    # The language switcher posts to set_language (it sets the `lang` cookie); the pages' scripts
    # get their strings from the JavaScript catalogue.
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", cache_page(3600)(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says: send them to the icon.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("screenings.urls")),
    path("", include("voting.urls")),
    path("", include(live_urls.urlpatterns)),
]

# Uploads go through a permission check (draft episodes' files are not public); behind nginx
# the view hands the bytes to it with X-Accel-Redirect (screenings/views/media.py).
urlpatterns += [re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.+)$", media_file, name="media")]

handler400 = "config.views.bad_request"
handler404 = "config.views.not_found"
handler500 = "config.views.server_error"
