"""The fixed URL of the latest signed tree head, as checkpoint text (C2SP tlog-checkpoint),
for witnesses and auditors that poll it."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from hocba.transparency import selectors


@require_GET
def checkpoint(request: HttpRequest) -> HttpResponse:
    head = selectors.latest_tree_head()
    if head is None:
        return HttpResponse("Nhật ký minh bạch chưa có sự kiện nào.\n", status=404,
                            content_type="text/plain; charset=utf-8")
    response = HttpResponse(head.to_checkpoint(), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


urlpatterns = [path("nhat-ky/checkpoint", checkpoint, name="transparency-checkpoint")]
