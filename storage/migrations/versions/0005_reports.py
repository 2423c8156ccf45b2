"""reports: unit-total supersession, leader corrections (who and why)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('superseded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('changed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('note', sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reports_superseded_by_id_reports'), 'reports',
                                    ['superseded_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_reports_changed_by_id_members'), 'members',
                                    ['changed_by_id'], ['id'])
    op.create_index('ix_pending_reports_message', 'pending_reports', ['channel', 'chat_id', 'message_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_pending_reports_message', table_name='pending_reports')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reports_changed_by_id_members'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_reports_superseded_by_id_reports'), type_='foreignkey')
        batch_op.drop_column('note')
        batch_op.drop_column('changed_by_id')
        batch_op.drop_column('superseded_by_id')
