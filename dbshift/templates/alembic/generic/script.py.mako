<%!
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


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
