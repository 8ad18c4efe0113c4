"""Sign-in and password forms."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Regexp

from webapp.auth.service import MIN_PASSWORD, USERNAME


class SignInForm(FlaskForm):
    """Username and password."""

    # Every account's name has this shape (auth.service.USERNAME); refusing any other
    # before a query says nothing about who exists, and keeps NUL away from PostgreSQL.
    username = StringField("Username", validators=[
        InputRequired("Enter your username."),
        Regexp(rf"^{USERNAME.pattern}\Z",
               message="A username is 1 to 150 letters, digits and . _ @ + -.")])
    password = PasswordField("Password", validators=[InputRequired("Enter your password."),
                                                     Length(max=1024)])
    next = HiddenField()


class PasswordForm(FlaskForm):
    """A new password for the signed-in user."""

    current = PasswordField("Current password",
                            validators=[InputRequired("Enter your current password.")])
    new = PasswordField("New password", validators=[
        InputRequired("Enter a new password."),
        Length(min=MIN_PASSWORD, max=1024,
               message=f"Use a password of at least {MIN_PASSWORD} characters.")])
    confirm = PasswordField("New password again", validators=[
        EqualTo("new", message="The two new passwords differ.")])
