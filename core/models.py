"""The core app's one table: the idempotency keys of accepted submissions."""

from .idempotency import IdempotencyRecord

__all__ = ["IdempotencyRecord"]
