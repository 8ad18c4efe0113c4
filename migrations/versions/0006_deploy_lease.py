"""deploy lease: one deploy of an application at a time across worker processes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 23:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deploy_lease', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('deploy_lease_until', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('deploy_lease_until')
        batch_op.drop_column('deploy_lease')
