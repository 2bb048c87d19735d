"""signers whose key is on a USB token (PKCS#11)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 02:10:00

- `signer_accounts.cert_pem`: the certificate (and its issuing chain) of a signer whose key stays
  on a USB token at the school's signing computer (provider `token`); the documents are prepared
  with it and the signatures uploaded from that computer are checked against it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signer_accounts') as batch:
        batch.add_column(sa.Column('cert_pem', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('signer_accounts') as batch:
        batch.drop_column('cert_pem')
