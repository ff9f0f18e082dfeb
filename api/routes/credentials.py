"""The published catalog's credentials: search, one credential, and what it stacks into."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from api.deps import CatalogDep
from api.models import CredentialPublic, CredentialsPublic, CredentialSummary, StacksPublic
from pathways.catalog.model import Credential
from pathways.errors import UnknownIdError

router = APIRouter(prefix="/credentials", tags=["credentials"])

CredentialId = Annotated[str, Path(min_length=1, max_length=200, description="Credential id.")]


def _summary(credential: Credential, versions: int) -> CredentialSummary:
    return CredentialSummary(
        id=credential.id,
        title=credential.title,
        kind=credential.kind,
        issuer=credential.issuer,
        credits=float(credential.credits),
        subject=credential.subject,
        level=credential.level,
        tags=list(credential.tags),
        composite=credential.composite,
        versions=versions,
    )


@router.get("", response_model=CredentialsPublic)
def list_credentials(
    catalog: CatalogDep,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in the id or title (any case).")
    ] = None,
    kind: Annotated[str | None, Query(max_length=50)] = None,
    issuer: Annotated[str | None, Query(max_length=200)] = None,
    subject: Annotated[str | None, Query(max_length=50)] = None,
    level: Annotated[str | None, Query(max_length=50)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    composite: Annotated[bool | None, Query(description="Only stackable (or only simple).")] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CredentialsPublic:
    """Credentials (their latest version) matching every filter given, sorted by id.

    ``count`` is the number of matches; ``data`` the page from ``offset``.
    """
    needle = q.casefold() if q else None
    found: list[CredentialSummary] = []
    for ident in sorted(catalog.compiled.versions):
        versions = catalog.compiled.versions[ident]
        credential = versions[-1]
        if needle and needle not in ident and needle not in credential.title.casefold():
            continue
        if kind is not None and credential.kind != kind:
            continue
        if issuer is not None and credential.issuer != issuer:
            continue
        if subject is not None and (credential.subject or "").casefold() != subject.casefold():
            continue
        if level is not None and credential.level != level:
            continue
        if tag is not None and tag not in credential.tags:
            continue
        if composite is not None and credential.composite != composite:
            continue
        found.append(_summary(credential, len(versions)))
    return CredentialsPublic(data=found[offset : offset + limit], count=len(found))


@router.get("/{credential_id}", response_model=CredentialPublic)
def read_credential(
    catalog: CatalogDep,
    credential_id: CredentialId,
    on: Annotated[
        date | None, Query(description="The version in effect on this date (default: latest).")
    ] = None,
) -> CredentialPublic:
    """One credential as the catalog defines it (404 if the catalog has no such id)."""
    try:
        credential = catalog.compiled.credential(credential_id, on)
    except UnknownIdError as error:
        raise HTTPException(status_code=404, detail=str(error)) from None
    return CredentialPublic.model_validate(
        {
            **dict(credential),
            "versions": len(catalog.compiled.versions[credential_id]),
            "member_of": list(catalog.compiled.member_of.get(credential_id, ())),
        }
    )


@router.get("/{credential_id}/stacks", response_model=StacksPublic)
def credential_stacks(catalog: CatalogDep, credential_id: CredentialId) -> StacksPublic:
    """Every composite the credential counts toward, each with one shortest route."""
    from pathways.catalog.graph import stacks

    try:
        found = stacks(catalog.compiled, credential_id)
    except UnknownIdError as error:
        raise HTTPException(status_code=404, detail=str(error)) from None
    return StacksPublic.model_validate({"data": found, "count": len(found)})
