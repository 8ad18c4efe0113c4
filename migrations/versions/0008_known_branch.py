"""known branch: the repository and branch state each application's last deploy left

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'known_branch',
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('config_id', sa.Integer(), nullable=False),
        sa.Column('binding', sa.String(length=64), nullable=False),
        sa.Column('repository_id', sa.String(length=255), nullable=False),
        sa.Column('branch', sa.String(length=255), nullable=False),
        sa.Column('state', sa.JSON(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'],
                                name=op.f('fk_known_branch_application_id_application'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['config_id'], ['gitops_config.id'],
                                name=op.f('fk_known_branch_config_id_gitops_config'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('application_id', name=op.f('pk_known_branch')),
    )
    with op.batch_alter_table('known_branch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_known_branch_config_id'), ['config_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('known_branch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_known_branch_config_id'))
    op.drop_table('known_branch')
