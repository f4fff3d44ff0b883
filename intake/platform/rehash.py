"""Look-up hashes made under an older hash key, moved to the current key when found.

Every look-up (a tracking code, a PIN, a chat, a partner key) tries every hash key of the
keyring; one that matches under an older key is re-hashed under the current one on the spot, so
after a key rotation the look-up hashes whose input is not stored move over as they are used.
"""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import InstrumentedAttribute

from intake.platform.core import Core


async def rehash_found(core: Core, column: InstrumentedAttribute, old: str, new: str) -> str:
    """A look-up found `old` (a hash under an older key): store `new` in its place, in one
    transaction that changes only that row. Returns the hash now stored."""
    model = column.class_
    async with core.db.transaction() as session:
        await session.execute(update(model).where(column == old).values({column.key: new}))
    return new
