"""The form that makes an API token."""

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from webapp.fields import strip


class TokenForm(FlaskForm):
    """Name, role and an optional expiry date."""

    name = StringField("Name", filters=[strip], validators=[
        InputRequired("Name the token after what uses it, such as ci-deploy."),
        Length(max=100, message="Use at most 100 characters.")],
        description="What uses it, such as ci-deploy: it names the token in the audit log.")
    role = RadioField("Role", choices=[SelectChoice("viewer", "Viewer: may read"),
                                       SelectChoice("admin", "Admin: may change settings and "
                                                             "deploy")],
                      default="viewer", validate_choice=True)
    expires_on = DateField("Expires on (optional)", validators=[Optional()],
                           description="The token stops working at the start of this day "
                                       "(UTC). Leave empty for a token that does not expire.")

    def validate_expires_on(self, field) -> None:
        """A day after today."""
        if field.data is not None and field.data <= date.today():
            raise ValidationError("Choose a day after today.")
