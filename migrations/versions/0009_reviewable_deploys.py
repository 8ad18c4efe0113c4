"""reviewable deploys: pull-request mode, previews, rollbacks and token expiry

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('gitops_config', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pull_requests', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('require_preview', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('token_expires_at', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('deployment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('files', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('content_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('rollback_of', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('branch', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('request_number', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('request_url', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('request_state', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('deployment', schema=None) as batch_op:
        for column in ('request_state', 'request_url', 'request_number', 'branch',
                       'rollback_of', 'content_hash', 'files'):
            batch_op.drop_column(column)
    with op.batch_alter_table('gitops_config', schema=None) as batch_op:
        for column in ('token_expires_at', 'require_preview', 'pull_requests'):
            batch_op.drop_column(column)
