"""inbox: the durable webhook queue (sender, claiming worker, lease; partial indexes of the open rows)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OPEN = "status IN ('queued', 'claimed')"


def upgrade() -> None:
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('worker', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
    for name, cols in (('ix_inbox_open', ['channel', 'bot', 'id']), ('ix_inbox_open_chat', ['chat_id', 'id']),
                       ('ix_inbox_open_user', ['user_id', 'id'])):
        op.create_index(name, 'inbox', cols, sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    for name in ('ix_inbox_open_user', 'ix_inbox_open_chat', 'ix_inbox_open'):
        op.drop_index(name, table_name='inbox')
    op.execute(sa.text("DELETE FROM inbox WHERE status IN ('queued', 'claimed')"))
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('worker')
        batch_op.drop_column('user_id')
