"""{% idempotency_field %}: the hidden key that makes a form's submission happen at most
once (core.idempotency), fresh each time the form is shown."""

import uuid

from django import template
from django.utils.html import format_html

from core.idempotency import FIELD

register = template.Library()


@register.simple_tag
def idempotency_field() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, uuid.uuid4())
