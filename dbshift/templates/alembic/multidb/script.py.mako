<%!
import re


def py(value):
    """A literal as ruff format writes it: double quotes (ids hold no quotes)."""
    return repr(value).replace("'", '"')

%>"""${message}

Revision ID: ${up_revision}
Revises:${" " + comma(down_revision) if down_revision else ""}
Create Date: ${create_date}

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# Identifiers of this revision and of the ones it follows.
revision: str = ${py(up_revision)}
down_revision: Union[str, Sequence[str], None] = ${py(down_revision)}
branch_labels: Union[str, Sequence[str], None] = ${py(branch_labels)}
depends_on: Union[str, Sequence[str], None] = ${py(depends_on)}


def upgrade(engine_name: str) -> None:
    globals()[f"upgrade_{engine_name}"]()


def downgrade(engine_name: str) -> None:
    globals()[f"downgrade_{engine_name}"]()
% for db_name in re.split(r',\s*', config.get_main_option("databases")):


def upgrade_${db_name}() -> None:
    ${context.get("%s_upgrades" % db_name, "pass")}


def downgrade_${db_name}() -> None:
    ${context.get("%s_downgrades" % db_name, "pass")}
% endfor
