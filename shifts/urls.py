app_name = "shifts"
urlpatterns: list = []
