"""The addresses printed as QR codes for the applicant's phone, from the hall's templates.

A hall's central often answers only on the hall's own network, under the hall's CA; a
phone on the mobile network reaches it, if at all, through a public front. So each link
is a template the hall publishes (``rating_url``, ``queue_view_url``): ``{central}`` is
this counter's central, ``{token}`` the random token the link carries, ``{number}`` a
case number (for a region's own rating system that takes one). Nothing is printed
rather than a link that cannot work: an empty template, a ``{token}`` the thing lacks,
a ``{central}`` this counter does not know.
"""

from __future__ import annotations

#: The central's own pages for a rating and for a ticket's place (web_rating,
#: web_queue_view): the defaults of ``rating_url`` and ``queue_view_url``.
RATING_URL = "{central}/rate/{token}"
QUEUE_VIEW_URL = "{central}/queue/{token}"


def fill_link(template: str, *, central: str = "", token: str = "", number: str = "") -> str:
    if not template:
        return ""
    if ("{token}" in template and not token) or ("{central}" in template and not central):
        return ""
    return (
        template.replace("{central}", central.rstrip("/"))
        .replace("{token}", token)
        .replace("{number}", number)
    )
