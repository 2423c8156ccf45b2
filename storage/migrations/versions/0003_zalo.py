"""zalo: per-bot monthly send counters, per-chat budget mode, Official Account OAuth tokens

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('send_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('bot', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('warned_at', storage.models.UTCDateTime(), nullable=True),
    sa.Column('exhausted_at', storage.models.UTCDateTime(), nullable=True),
    sa.Column('updated_at', storage.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'bot', 'period')
    )
    op.create_table('oa_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('app_id', sa.String(length=64), nullable=False),
    sa.Column('access_token', sa.Text(), nullable=False),
    sa.Column('refresh_token', sa.Text(), nullable=False),
    sa.Column('access_expires_at', storage.models.UTCDateTime(), nullable=False),
    sa.Column('created_at', storage.models.UTCDateTime(), nullable=False),
    sa.Column('retired_at', storage.models.UTCDateTime(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_oa_tokens_app_id'), 'oa_tokens', ['app_id'], unique=False)
    with op.batch_alter_table('chats') as batch:
        batch.add_column(sa.Column('budget_mode', sa.String(length=16), server_default='full', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('chats') as batch:
        batch.drop_column('budget_mode')
    op.drop_index(op.f('ix_oa_tokens_app_id'), table_name='oa_tokens')
    op.drop_table('oa_tokens')
    op.drop_table('send_counters')
