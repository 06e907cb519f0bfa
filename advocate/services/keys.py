"""Key rotation: re-encrypt every ``EncryptedText`` value under the newest key.

The columns are found from the metadata by their type, so a column added by any later model is
rotated without anyone remembering to list it. Rows are read raw (no decryption by the column
type), in primary-key order, a batch at a time; each value is written back only if it has not
changed since it was read, so a concurrent edit (already under the newest key) is never undone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from sqlalchemy import Column, LargeBinary, MetaData, Table, and_, bindparam, select, update
from sqlalchemy import column as raw_column
from sqlalchemy import table as raw_table

from advocate.extensions import db
from advocate.models.base import EncryptedText
from advocate.services import audit
from advocate.services.crypto import field_cipher


class UnreadableValue(Exception):
    """A stored value that no configured key opens: an old key is missing from the config."""


@dataclass(frozen=True)
class EncryptedColumns:
    table: Table
    columns: tuple[Column[str], ...]

    @property
    def names(self) -> list[str]:
        return [f"{self.table.name}.{c.name}" for c in self.columns]


def encrypted_columns(metadata: MetaData | None = None) -> list[EncryptedColumns]:
    """Every table with ``EncryptedText`` columns, found by type, in dependency order."""
    found = []
    for table in (metadata or db.metadata).sorted_tables:
        columns = tuple(c for c in table.columns if isinstance(c.type, EncryptedText))
        if columns:
            if len(table.primary_key.columns) != 1:
                raise ValueError(f"{table.name}: key rotation needs a single-column primary key")
            found.append(EncryptedColumns(table, columns))
    return found


def rotate_batches(
    batch_size: int = 500, metadata: MetaData | None = None
) -> Iterator[tuple[str, int]]:
    """Re-encrypt in batches, yielding ("table.column", values rewritten) after each flush.

    The caller commits between batches, so a large database is never one huge transaction;
    running it again is harmless (every value is simply re-encrypted once more).
    """
    cipher = field_cipher()
    for group in encrypted_columns(metadata):
        pk = next(iter(group.table.primary_key.columns))
        raw = raw_table(
            group.table.name,
            raw_column(pk.name),
            *(raw_column(c.name, LargeBinary) for c in group.columns),
            schema=group.table.schema,
        )
        raw_pk = raw.c[pk.name]
        last = None
        while True:
            query = select(raw_pk, *(raw.c[c.name] for c in group.columns)).order_by(raw_pk)
            if last is not None:
                query = query.where(raw_pk > last)
            rows = db.session.execute(query.limit(batch_size)).all()
            if not rows:
                break
            last = rows[-1][0]
            for index, col in enumerate(group.columns, start=1):
                params = []
                for row in rows:
                    token = row[index]
                    if token is None:
                        continue
                    try:
                        rotated = cipher.rotate(bytes(token))
                    except InvalidToken:
                        raise UnreadableValue(
                            f"{group.table.name}.{col.name} of row {row[0]} cannot be decrypted"
                            " with any configured key; add the old key to"
                            " ADVOCATE_ENCRYPTION_KEYS (after the new one) and run again."
                        ) from None
                    params.append({"_pk": row[0], "_old": bytes(token), "_new": rotated})
                if params:
                    target = raw.c[col.name]
                    db.session.execute(
                        update(raw)
                        .where(and_(raw_pk == bindparam("_pk"), target == bindparam("_old")))
                        .values({col.name: bindparam("_new")}),
                        params,
                    )
                db.session.flush()
                yield f"{group.table.name}.{col.name}", len(params)


def record_rotation(counts: dict[str, int], keys_configured: int) -> None:
    audit.record(
        "keys.rotated",
        object_type="encryption_keys",
        details={"values": counts, "keys_configured": keys_configured},
    )


def unreadable_columns(metadata: MetaData | None = None) -> list[str]:
    """Encrypted columns whose first stored value no configured key opens (after a restore)."""
    cipher = field_cipher()
    unreadable = []
    for group in encrypted_columns(metadata):
        for col in group.columns:
            raw = raw_table(group.table.name, raw_column(col.name, LargeBinary))
            token = db.session.execute(
                select(raw.c[col.name]).where(raw.c[col.name].is_not(None)).limit(1)
            ).scalar()
            if token is None:
                continue
            try:
                cipher.decrypt(bytes(token))
            except InvalidToken:
                unreadable.append(f"{group.table.name}.{col.name}")
    return unreadable
