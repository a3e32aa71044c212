from django.urls import path

from . import pages

app_name = "api_pages"
urlpatterns = [
    path("tokens/", pages.tokens, name="tokens"),
    path("tokens/<id:pk>/revoke/", pages.token_revoke_view, name="token_revoke"),
    path("my-data.<str:fmt>", pages.my_data, name="my_data"),
    path("service-accounts/", pages.service_accounts, name="service_accounts"),
]
