"""One device vocabulary (#27): "mobile", "tablet", "desktop"

The link page's widget recorded phones as "phone" while the demo data (and most analytics
tools) say "mobile", so reports split one group in two. New answers are normalised when they
arrive (surveyapp.collect.devices); this rewrites the stored ones and the report rollups
built from them.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 16:35:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

# The same aliases as surveyapp/collect/devices.py at the time of writing (a migration never
# imports the application).
ALIASES = {"phone": "mobile", "smartphone": "mobile", "handset": "mobile", "mobile phone": "mobile",
           "ipad": "tablet", "pc": "desktop", "laptop": "desktop", "computer": "desktop"}


def upgrade():
    bind = op.get_bind()
    for old, new in ALIASES.items():
        params = {"old": old, "new": new}
        if bind.dialect.name == 'postgresql':
            op.execute(sa.text(
                "UPDATE response SET meta = jsonb_set(meta::jsonb, '{device}', to_jsonb(CAST(:new AS text))) "
                "WHERE meta->>'device' = :old").bindparams(**params))
        else:
            op.execute(sa.text(
                "UPDATE response SET meta = json_set(meta, '$.device', :new) "
                "WHERE json_extract(meta, '$.device') = :old").bindparams(**params))
        op.execute(sa.text("UPDATE report_rollup SET device = :new WHERE device = :old")
                   .bindparams(**params))


def downgrade():
    # The original spelling is not kept; "mobile" stays "mobile".
    pass
