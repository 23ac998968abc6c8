"""The ASGI entry point: `uvicorn service.main:app`."""

from registry.settings import get_settings
from service.app import create_app
from service.observability import configure_logging

configure_logging(json_lines=get_settings().log_json)
app = create_app()
