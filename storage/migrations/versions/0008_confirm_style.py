"""confirm style: a chat's confirmation style (reply | reaction) and the digests of reaction-style chats

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 16:48:37
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('confirm_digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('after_id', sa.BigInteger(), nullable=False),
    sa.Column('upto_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_message_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chats.id'], name=op.f('fk_confirm_digests_chat_id_chats')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confirm_digests')),
    sa.UniqueConstraint('chat_id', 'after_id', name=op.f('uq_confirm_digests_chat_id_after_id'))
    )
    with op.batch_alter_table('confirm_digests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_confirm_digests_status'), ['status'], unique=False)
    with op.batch_alter_table('chats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirm_style', sa.String(length=16), server_default='reply', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('chats', schema=None) as batch_op:
        batch_op.drop_column('confirm_style')
    with op.batch_alter_table('confirm_digests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_confirm_digests_status'))
    op.drop_table('confirm_digests')
