import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.settings")
django_application = get_wsgi_application()

# The public status look-up skips the middleware it has no use for (issue 6's 500 requests/s
# with p99 < 100 ms): hocba.verification.door.
from hocba.verification.door import StatusDoor  # noqa: E402 (needs the set-up above)

application = StatusDoor(django_application)
