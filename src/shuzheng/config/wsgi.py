import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuzheng.config.settings.base")
application = get_wsgi_application()

# Each server process loads jieba's dictionary (≈ 2 s of CPU) as it starts, not in its first search.
from shuzheng.core import fulltext  # noqa: E402 - needs the apps loaded above

fulltext.warm()
