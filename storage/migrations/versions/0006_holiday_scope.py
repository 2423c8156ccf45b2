"""holidays: a scope (unit_id NULL = national; else a day off of that unit's subtree)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('holidays', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_holidays_unit_id_units'), 'units', ['unit_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('uq_holidays_day'), type_='unique')
    # NULLs are distinct in a unique constraint (SQLite and PostgreSQL): one partial unique index per kind
    op.create_index('uq_holidays_national_day', 'holidays', ['day'], unique=True,
                    sqlite_where=sa.text('unit_id IS NULL'), postgresql_where=sa.text('unit_id IS NULL'))
    op.create_index('uq_holidays_unit_day', 'holidays', ['unit_id', 'day'], unique=True,
                    sqlite_where=sa.text('unit_id IS NOT NULL'), postgresql_where=sa.text('unit_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('uq_holidays_unit_day', table_name='holidays')
    op.drop_index('uq_holidays_national_day', table_name='holidays')
    op.execute(sa.text('DELETE FROM holidays WHERE unit_id IS NOT NULL'))  # days off of units cannot stay
    with op.batch_alter_table('holidays', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_holidays_day'), ['day'])
        batch_op.drop_constraint(batch_op.f('fk_holidays_unit_id_units'), type_='foreignkey')
        batch_op.drop_column('unit_id')
