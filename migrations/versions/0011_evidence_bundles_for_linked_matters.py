"""evidence bundles for linked matters

A bundle is for one case or for a linked matter: case_id becomes nullable, matter_id names
the matter, case_ids lists the member cases in it and left_out counts those left out.

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-26 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evidence_bundles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('matter_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('case_ids', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('left_out', sa.Integer(), server_default='0', nullable=False))
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_evidence_bundles_matter_id'), ['matter_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_evidence_bundles_matter_id_linked_matters'), 'linked_matters', ['matter_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(batch_op.f('ck_evidence_bundles_one_scope'), 'case_id IS NULL OR matter_id IS NULL')


def downgrade():
    op.execute("DELETE FROM evidence_bundles WHERE case_id IS NULL")
    with op.batch_alter_table('evidence_bundles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_evidence_bundles_one_scope'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_evidence_bundles_matter_id_linked_matters'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_evidence_bundles_matter_id'))
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('left_out')
        batch_op.drop_column('case_ids')
        batch_op.drop_column('matter_id')
