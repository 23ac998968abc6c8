"""The truyxuat web application (FastAPI): API, resolver, EPCIS, pages, CLI."""
