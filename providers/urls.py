"""Pages of the provider registry and the service directory."""

app_name = "providers"
urlpatterns: list = []
