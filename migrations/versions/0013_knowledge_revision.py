"""count changes to the knowledge overrides

Each web worker keeps the knowledge base with the organisation's overrides applied for as
long as this number is unchanged; saving or deleting an override adds one, and every worker
reads the number with the signed-in person on its next request.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 01:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations') as batch:
        batch.add_column(
            sa.Column('knowledge_revision', sa.Integer(), nullable=False, server_default='0')
        )


def downgrade():
    with op.batch_alter_table('organisations') as batch:
        batch.drop_column('knowledge_revision')
