"""The one exception hierarchy of coopgraph.

Every error a user can cause carries where it happened (source, line, field) and what to do.
Each class carries the HTTP status the server will answer with, so statuses are decided here.
"""

from __future__ import annotations


class CoopgraphError(Exception):
    """Base of every error coopgraph raises on purpose."""

    status: int = 500
    exit_code: int = 1

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.field = field
        self.hint = hint

    def where(self) -> str:
        """`file:line: field` prefix, only the parts that are known."""
        place = self.source or ""
        if self.line is not None:
            place = f"{place}:{self.line}" if place else f"line {self.line}"
        if self.field:
            place = f"{place}: {self.field}" if place else self.field
        return place

    def __str__(self) -> str:
        text = f"{self.where()}: {self.message}" if self.where() else self.message
        return f"{text} ({self.hint})" if self.hint else text

    def headers(self) -> dict[str, str]:
        """The HTTP headers its answer must carry besides the status (RFC 9110: `Allow` on
        a 405, `WWW-Authenticate` on a 401)."""
        return {}


class InputError(CoopgraphError):
    """The input given to coopgraph cannot be used as it is."""

    status = 400
    exit_code = 2


class UnreadableInput(InputError):
    """The bytes cannot be read as text: binary, empty, undecodable or missing."""


class NotAnAtlasPage(InputError):
    """Readable text, but not an Atlas partnership page."""


class TruncatedPage(InputError):
    """An Atlas page that stops before its end."""


class InvalidRecord(InputError):
    """A JSON record that does not follow the record schema."""

    status = 422


class UnsupportedFormat(InputError):
    """A file or media type coopgraph has no reader or writer for."""

    status = 415


class PayloadTooLarge(InputError):
    """A request body over the size limit (COOPGRAPH_MAX_UPLOAD_BYTES), not read past it."""

    status = 413


class OutsideNamespace(InputError):
    """A submitted record naming IRIs outside the publisher's namespace and known vocabularies."""

    status = 422


class NotOneRecord(InputError):
    """A submission that is not one record: several partnerships, or more triples than one has."""

    status = 422


class StoreError(CoopgraphError):
    """The store cannot do what was asked; nothing already stored is lost."""

    status = 503
    exit_code = 3


class StoreBusy(StoreError):
    """Another process holds the store (a load, or the server) and it cannot be shared."""

    status = 409


class StoreUnavailable(StoreError):
    """The store cannot be opened or reached (missing, unreadable, full disk, endpoint down)."""


class QueryTimeout(StoreError):
    """A query stopped at its deadline (its worker killed)."""

    status = 503


class QueryTooLarge(StoreError):
    """A query that needed more memory than a query may use."""

    status = 503


class ExecutorBusy(StoreError):
    """No query worker became free in time."""

    status = 503


class QueryError(CoopgraphError):
    """A SPARQL query or update the store refuses (syntax, unsupported)."""

    status = 400
    exit_code = 2


class ProtocolError(CoopgraphError):
    """An HTTP request that does not follow the SPARQL 1.1 Protocol."""

    status = 400
    exit_code = 2


class UnsupportedMediaType(ProtocolError):
    """A request body in a media type (or charset) the endpoint does not read."""

    status = 415


class MethodNotAllowed(ProtocolError):
    """An HTTP method the endpoint does not answer (it answers those `allowed`)."""

    status = 405

    def __init__(self, message: str, *, allowed: tuple[str, ...], hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.allowed = allowed

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class NotAcceptable(CoopgraphError):
    """No representation the client accepts can be produced."""

    status = 406
    exit_code = 2


class OperationRefused(ProtocolError):
    """A well-formed operation the endpoint refuses before running it (SERVICE, LOAD, updates)."""

    status = 400


class ReadOnlyEndpoint(OperationRefused):
    """An update sent to the public, read-only endpoint."""

    status = 403


class ResourceNotFound(CoopgraphError):
    """An IRI or page the data does not describe."""

    status = 404
    exit_code = 2


class NotAuthenticated(CoopgraphError):
    """A write without a valid bearer token (RFC 6750: `invalid_token` when one was given)."""

    status = 401
    exit_code = 2

    def __init__(self, message: str, *, token_given: bool, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.token_given = token_given

    def headers(self) -> dict[str, str]:
        challenge = 'Bearer realm="coopgraph"'
        if self.token_given:
            challenge += ', error="invalid_token"'
        return {"WWW-Authenticate": challenge}


class WritesDisabled(CoopgraphError):
    """A write to a server with no write token configured."""

    status = 403
    exit_code = 2


class RecordConflict(InputError):
    """A record that claims another record's id, or is created where one exists already."""

    status = 409


class RequestTimedOut(CoopgraphError):
    """The client did not send its whole request in time: 408, and the connection closes."""

    status = 408
