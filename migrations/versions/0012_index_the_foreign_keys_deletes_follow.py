"""index the foreign keys that deletes and supersession follow

Deleting a case, a deadline, a reference number or a draft letter makes the database find
the rows pointing at it (to cascade or set them null); finalising a letter looks for the
letters it supersedes. Without an index on the pointing column each is a scan of the whole
table, so it grows with every case the service has ever held.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 10:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

INDEXES = (
    ('ladder_events', 'deadline_id'),
    ('ladder_events', 'reference_number_id'),
    ('ladder_steps', 'reference_number_id'),
    ('letters', 'reply_deadline_id'),
    ('letters', 'superseded_by_id'),
    ('notifications', 'case_id'),
    ('notifications', 'deadline_id'),
)


def upgrade():
    for table, column in INDEXES:
        op.create_index(f'ix_{table}_{column}', table, [column], unique=False)


def downgrade():
    for table, column in reversed(INDEXES):
        op.drop_index(f'ix_{table}_{column}', table_name=table)
