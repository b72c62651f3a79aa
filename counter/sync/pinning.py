"""The hall's CA, pinned: its fingerprint in the enrol code and the TLS context built on it.

A hall's central signs its HTTPS certificate with a CA of its own (counter.central.hall_ca),
which no public CA vouches for. The supervisor's one-time enrol code carries a prefix of
that CA's fingerprint (``ABCDEFGHJK-XXXX-XXXX-XXXX-XXXX-XXXX``), so the counter can fetch
the CA from the central without trusting the network, compare it with what was read
out, and from then on trust that CA alone: no public CA, no file to copy, no environment
variable. Shared here by the central (which prints the code) and the counter (which
checks it). Only the standard library: ``ssl`` reads the PEM.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import ssl
from urllib.parse import urlsplit

from counter.model.errors import ValidationError

#: 20 base32 characters = 100 bits of SHA-256: a forged CA would take about 2**100
#: certificates to match, and the supervisor reads out five groups of four.
FINGERPRINT_CHARS = 20
GROUP = 4

MISMATCH = "中心证书指纹与登记码不符，可能连接到了冒充的中心，请核对地址或向值班长确认"
NEEDS_FINGERPRINT = (
    "https 地址须用带证书指纹的登记码（形如 ABCDEFGHJK-XXXX-XXXX-XXXX-XXXX-XXXX），"
    "请向值班长要 counter-central enrol-code 打印的整行登记码"
)
NEEDS_HTTPS = "登记码带有中心证书指纹，中心地址应以 https:// 开头"

# The code, then five groups of four: split from the end, whatever the code's own form.
_CODED = re.compile(r"^(?P<code>.+?)-(?P<fp>[A-Z0-9]{4}(?:-[A-Z0-9]{4}){4})$")
# Base32 has no 0, 1 or 8: read aloud or copied by hand they are O, I and B.
_MISREAD = str.maketrans("018", "OIB")


def _der(ca_pem: str | bytes) -> bytes:
    text = ca_pem.decode("ascii") if isinstance(ca_pem, bytes) else ca_pem
    begin = text.index("-----BEGIN CERTIFICATE-----")
    end = text.index("-----END CERTIFICATE-----", begin) + len("-----END CERTIFICATE-----")
    return ssl.PEM_cert_to_DER_cert(text[begin:end])


def first_certificate(ca_pem: str | bytes) -> str:
    """The first certificate of a PEM text, re-encoded: exactly what the fingerprint
    names, with nothing else in the file trusted along with it."""
    return ssl.DER_cert_to_PEM_cert(_der(ca_pem))


def fingerprint(ca_pem: str | bytes) -> str:
    """``XXXX-XXXX-XXXX-XXXX-XXXX``: the first 100 bits of the SHA-256 of the (first)
    certificate's DER, in base32 (A-Z, 2-7), grouped to be read out and typed."""
    digest = base64.b32encode(hashlib.sha256(_der(ca_pem)).digest()).decode("ascii")
    head = digest[:FINGERPRINT_CHARS]
    return "-".join(head[i : i + GROUP] for i in range(0, FINGERPRINT_CHARS, GROUP))


def code_with_fingerprint(code: str, ca_pem: str | bytes) -> str:
    return f"{code}-{fingerprint(ca_pem)}"


def split_code(text: str) -> tuple[str, str]:
    """``(code, fingerprint)`` from what the supervisor typed; the fingerprint is ""
    when the code came without one (a lab central on plain HTTP)."""
    text = "".join(text.split()).upper()
    found = _CODED.match(text)
    if found is None:
        return text, ""
    return found["code"], found["fp"].translate(_MISREAD)


def matches(ca_pem: str | bytes, typed: str) -> bool:
    return hmac.compare_digest(fingerprint(ca_pem), typed.upper().translate(_MISREAD))


def enrol_parts(url: str, text: str) -> tuple[str, str]:
    """The code to send and the fingerprint to check, or the field at fault: an https
    central needs the fingerprint (without it nothing says whose certificate to trust),
    and a fingerprint says the central serves https (typing http:// would give up the
    check)."""
    code, typed = split_code(text)
    https = urlsplit(url).scheme.lower() == "https"
    if https and not typed:
        raise ValidationError("code", NEEDS_FINGERPRINT)
    if typed and not https:
        raise ValidationError("central_url", NEEDS_HTTPS)
    return code, typed


@functools.lru_cache(maxsize=8)
def pinned_context(ca_pem: str) -> ssl.SSLContext:
    """A client context that trusts this CA and nothing else, hostname checked.

    Partial chains are allowed so that a hall's own CA may be an intermediate (the one
    that signed the central's certificate) rather than a root. Made once per CA: the
    sync agent and the queue panel make a transport every few seconds."""
    context = ssl.create_default_context(cadata=first_certificate(ca_pem))
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return context
