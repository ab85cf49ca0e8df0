"""The pages a problem's `type` points at (`/api/v1/problems/{name}`): what the problem
means and what a client does about it. Open to anyone, like the schema."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

# name: (title, what it means, what to do)
PROBLEMS = {
    "invalid-input": (
        "Invalid input",
        "A field of the body, or a filter of the address, holds a value the API does not take. "
        "`errors` holds the messages and `codes` a code for each, both by field name; a "
        "referral's send names the fields it still needs (`risk.<field>` for its risk "
        "information, `documents` for a risk document).",
        "Correct the fields named and send the request again.",
    ),
    "parse-error": (
        "Unreadable body",
        "The body is not well-formed JSON, nests too deeply or holds a number JSON does not allow.",
        "Send a JSON object.",
    ),
    "not-authenticated": (
        "Not signed in",
        "The request carries no credentials.",
        "Send `Authorization: Bearer <token>` with a token from your account's API tokens page.",
    ),
    "authentication-failed": (
        "Token not valid",
        "The token is unknown, expired or revoked.",
        "Ask for a new token.",
    ),
    "permission-denied": (
        "Not allowed",
        "You may see the resource but not take this action: your role does not allow it, or "
        "the token is read-only.",
        "Ask someone whose role allows it, or use a token with the write scope.",
    ),
    "not-found": (
        "Not found",
        "Nothing is at this address, or it is outside what your role may see: the API does not "
        "say which. An address without its trailing slash is not found either.",
        "Check the id and the address, with its trailing slash.",
    ),
    "method-not-allowed": (
        "Method not allowed",
        "The resource does not take this HTTP method.",
        "Use a method the schema lists for the operation.",
    ),
    "not-acceptable": (
        "Not acceptable",
        "The API cannot answer in a media type the `Accept` header allows.",
        "Accept `application/json`.",
    ),
    "unsupported-media-type": (
        "Unsupported media type",
        "Each operation reads one body format: `application/json`, or `multipart/form-data` for "
        "a risk document's upload.",
        "Send the body in the format the schema gives for the operation.",
    ),
    "conflict": (
        "Conflict",
        "The action is not possible in the resource's current state (such as accepting a "
        "referral that is not sent), or would duplicate what exists.",
        "Read the resource again; `detail` says what must be true first.",
    ),
    "precondition-failed": (
        "Changed since you read it",
        "`If-Match` names a version of the resource (its `ETag`) that is no longer current: "
        "someone else changed it.",
        "Read it again, check the other change, and repeat yours with the new `ETag`.",
    ),
    "idempotency-key-reused": (
        "Idempotency key reused",
        "The `Idempotency-Key` was first sent with another request (another person or service). "
        "A repeat of the same request returns the referral it made; a different request is "
        "refused rather than answered with another referral.",
        "Use a new key for each new referral.",
    ),
    "payload-too-large": (
        "Too large",
        "The body, or a risk document, is larger than the API takes.",
        "Send a smaller file.",
    ),
    "throttled": (
        "Too many requests",
        "The token, or the address, has made more requests in the current window than the "
        "rate limit allows. `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` on "
        "every response say where a client stands.",
        "Wait for `Retry-After` seconds, then try again.",
    ),
    "service-unavailable": (
        "Service unavailable",
        "The database or the task queue cannot be reached for a moment.",
        "Wait for `Retry-After` seconds, then try again.",
    ),
    "internal-server-error": (
        "Server error",
        "Something went wrong on the server.",
        "Try again later; if it goes on, contact support.",
    ),
}


# Problems named from their status outside DRF's views (`exceptions.problem_response`).
ALIASES = {
    "bad-request": "invalid-input",
    "unauthorized": "not-authenticated",
    "forbidden": "permission-denied",
    "request-entity-too-large": "payload-too-large",
    "content-too-large": "payload-too-large",
    "too-many-requests": "throttled",
}


def problem_page(request: HttpRequest, name: str) -> HttpResponse:
    name = ALIASES.get(name, name)
    if name not in PROBLEMS:
        raise Http404
    title, meaning, remedy = PROBLEMS[name]
    return render(
        request,
        "api/problem.html",
        {"name": name, "title": title, "meaning": meaning, "remedy": remedy},
    )
