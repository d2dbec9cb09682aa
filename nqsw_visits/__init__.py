"""Alongside: mentors alongside newly qualified social workers."""

import logging
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from nqsw_visits.agreements import models as agreement_models  # noqa: F401
from nqsw_visits.availability import models as availability_models  # noqa: F401
from nqsw_visits.core import config, database
from nqsw_visits.core.extensions import csrf, db, login_manager, migrate
from nqsw_visits.group_sessions import models as group_session_models  # noqa: F401
from nqsw_visits.notifications import models as notification_models  # noqa: F401
from nqsw_visits.observations import models as observation_models  # noqa: F401
from nqsw_visits.one_to_ones import models as one_to_one_models  # noqa: F401
from nqsw_visits.people import (
    audit_window,  # noqa: F401
    passwords,
)
from nqsw_visits.people import models as people_models  # noqa: F401
from nqsw_visits.support_requests import models as support_request_models  # noqa: F401


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, CLI, errors."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.update(config.FIXED)
    app.config.update(config.from_environment(app.instance_path))
    app.config.update(test_config or {})
    _check_secret_key(app)
    # SQLAlchemy prints a failed statement's parameters in the exception text, and so in
    # error logs: they would carry note text and case references.
    engine_options = {**app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), "hide_parameters": True}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    if "SESSION_COOKIE_SECURE" not in (test_config or {}):
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    with app.app_context():
        database.ping_when_idle(db.engine, app.config["DB_PING_AFTER_IDLE_SECONDS"])
        database.plan_once(db.engine, app.config["DB_PLAN_CACHE_MODE"])
    database.commit_what_only_read(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    passwords.configure(app.config["PASSWORD_HASH_PARAMS"])
    _setup_templates(app)

    from nqsw_visits.core import errors, security
    from nqsw_visits.people import auth_views as auth

    auth.init_login(app, login_manager)
    app.before_request(security.require_sign_in)
    app.after_request(security.set_security_headers)
    errors.register(app)
    from nqsw_visits.core.converters import IdConverter
    from nqsw_visits.core.ratelimit import init_rate_limits

    init_rate_limits(app)
    app.url_map.converters["int"] = IdConverter
    _register_blueprints(app)

    from nqsw_visits.demo.commands import register_commands

    register_commands(app)
    from nqsw_visits.availability.commands import load_bank_holidays_command

    app.cli.add_command(load_bank_holidays_command)
    from nqsw_visits.observations.standards_commands import load_framework_command

    app.cli.add_command(load_framework_command)
    from nqsw_visits.support_requests.commands import complete_past_command

    app.cli.add_command(complete_past_command)
    from nqsw_visits.agreements.commands import remind_reviews_command
    from nqsw_visits.lifecycle.commands import backup_command, purge_command

    app.cli.add_command(remind_reviews_command)
    from nqsw_visits.group_sessions.commands import remind_group_sessions_command

    app.cli.add_command(remind_group_sessions_command)

    app.cli.add_command(purge_command)
    app.cli.add_command(backup_command)
    from nqsw_visits.core.housekeeping import init_housekeeping
    from nqsw_visits.notifications.mail import init_mail

    init_mail(app)
    init_housekeeping(app)
    return app


def _check_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if not (app.debug or app.testing):
        raise RuntimeError(
            "SECRET_KEY is not set. Set it in the environment (a long random string) "
            "or run in debug mode for a local trial."
        )
    app.config["SECRET_KEY"] = config.local_secret_key(app.instance_path)


def _setup_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(Path(app.root_path).parent / "templates"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    # The GOV.UK macros emit many blank lines; trimming keeps fragments small.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from govuk_frontend_wtf.main import WTFormsHelpers

    from nqsw_visits.templating import register_template_helpers

    WTFormsHelpers(app)
    register_template_helpers(app, ZoneInfo(app.config["TIMEZONE"]))


def _register_blueprints(app: Flask) -> None:
    from nqsw_visits.admin import blueprint as admin
    from nqsw_visits.agreements import blueprint as agreements
    from nqsw_visits.availability import blueprint as availability
    from nqsw_visits.calendars import views as calendars
    from nqsw_visits.core import pages
    from nqsw_visits.group_sessions import blueprint as group_sessions
    from nqsw_visits.notifications import views as notifications
    from nqsw_visits.observations import blueprint as observations
    from nqsw_visits.one_to_ones import blueprint as one_to_ones
    from nqsw_visits.overview import home_views, planning_views
    from nqsw_visits.people import auth_views as auth
    from nqsw_visits.support_requests import blueprint as support_requests

    for blueprint in (
        auth.bp,
        home_views.bp,
        support_requests.load(),
        observations.load(),
        agreements.load(),
        one_to_ones.load(),
        group_sessions.load(),
        planning_views.bp,
        notifications.bp,
        calendars.bp,
        availability.load(),
        admin.load(),
        pages.bp,
    ):
        app.register_blueprint(blueprint)
