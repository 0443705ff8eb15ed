"""Every error this package raises: one class with a stable string ``code``.

The codes, their messages, HTTP statuses and RFC 6750 errors come from the contract
(contract/sso-contract.json), the same table ``@sso/client`` uses, so a Node and a Python service
report the same failure with the same code.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._contract import CLIENT_ERRORS, ErrorCode, ErrorMeta

#: Every error code, with its message, HTTP status and OAuth error. Codes never change meaning.
ERROR_CODES = CLIENT_ERRORS

__all__ = ["ERROR_CODES", "ErrorCode", "ErrorMeta", "SsoError", "is_sso_error"]


class SsoError(Exception):
    """The one error class of this package: ``code`` is stable, the message is for people.

    Example::

        try:
            verify_access_token(verifier, token)
        except SsoError as error:
            if error.code == "SSO_TOKEN_EXPIRED":
                ...
    """

    code: ErrorCode
    #: The HTTP status a server answers with when this error ends a request.
    status: int
    #: The RFC 6750 error code for ``WWW-Authenticate``, if the error is about the token.
    oauth_error: str | None
    #: The OAuth error code the authorization server answered with, if it answered with one.
    server_error: str | None
    #: Scopes that would have been enough (for ``SSO_INSUFFICIENT_SCOPE``).
    scopes: tuple[str, ...]

    def __init__(
        self,
        code: ErrorCode,
        detail: str | None = None,
        *,
        server_error: str | None = None,
        scopes: Sequence[str] = (),
    ) -> None:
        meta = CLIENT_ERRORS[code]
        super().__init__(f"{meta.message}: {detail}" if detail else meta.message)
        self.code = code
        self.status = meta.status
        self.oauth_error = meta.oauth_error
        self.server_error = server_error
        self.scopes = tuple(scopes)

    @property
    def message(self) -> str:
        """What went wrong, for people."""
        return str(self)


def is_sso_error(error: object, *codes: ErrorCode) -> bool:
    """Whether ``error`` is an :class:`SsoError`, optionally with one of ``codes``."""
    return isinstance(error, SsoError) and (not codes or error.code in codes)
