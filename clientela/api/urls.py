from .api import api, urlpatterns_for

urlpatterns = urlpatterns_for(api)
