"""take the audit chain in one call on PostgreSQL

Appending audit events took three round trips: the chain's advisory lock, then the next ids
and the last hash (in a statement of their own, so that they are read after the lock is
granted), then the insert. A function does the first two in one call: each statement inside
it reads with a fresh snapshot, so the last hash it returns is the one committed by whoever
held the lock before. SQLite has no such functions and needs none (it serialises writers).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 01:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION advocate_take_audit_chain(lock_key bigint, n integer)
        RETURNS TABLE (ids bigint[], last_hash varchar)
        LANGUAGE plpgsql VOLATILE
        AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock(lock_key);
            RETURN QUERY SELECT
                ARRAY(
                    SELECT nextval(pg_get_serial_sequence('audit_events', 'id'))
                    FROM generate_series(1, n)
                ),
                (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1);
        END
        $$
        """
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION advocate_take_audit_chain(bigint, integer)")
