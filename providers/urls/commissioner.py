"""URLs: commissioner."""

urlpatterns: list = []
