"""views: official figures (reconciliation with C06) and the words members type for an indicator

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('official_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['metric'], ['metrics.code'], name=op.f('fk_official_figures_metric_metrics')),
    sa.ForeignKeyConstraint(['recorded_by'], ['members.id'], name=op.f('fk_official_figures_recorded_by_members')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_official_figures_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_official_figures')),
    sa.UniqueConstraint('unit_id', 'metric', 'day', name=op.f('uq_official_figures_unit_id_metric_day'))
    )
    with op.batch_alter_table('metrics') as batch:
        batch.add_column(sa.Column('words', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('metrics') as batch:
        batch.drop_column('words')
    op.drop_table('official_figures')
