"""Pathways HTTP service: FastAPI + SQLModel (built in the service issue)."""
