"""The environment of a browser tab's app process: what taskforge needs, and nothing else of the server's.

The server may hold secrets that are none of a tab's business (other services' tokens, a deploy key);
a tab gets the basics a Python program needs, the taskforge settings, the model providers' keys and
endpoints, proxies and certificates for reaching them, then its user's identity and the database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

_BASICS = frozenset({
    "PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "USER", "LOGNAME",
    "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR",
    "SYSTEMROOT",  # Windows cannot start Python without it
})
# Reaching a model: proxies and certificate bundles (httpx, requests and OpenSSL read these).
_NETWORK = frozenset({
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
})
# litellm's providers read <PROVIDER>_API_KEY, _API_BASE, _API_VERSION …, and a few families of their own.
_PROVIDER = re.compile(r"[A-Z0-9_]+_(API_KEY|API_BASE|API_VERSION|BASE_URL|ORGANIZATION|PROJECT)")
_PROVIDER_PREFIXES = ("AWS_", "AZURE_", "VERTEX", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_", "OLLAMA_",
                      "LITELLM_", "HF_", "HUGGINGFACE_", "WATSONX_", "DATABRICKS_")
# Set here for each tab, never passed through from the server.
_OWN = frozenset({"TASKFORGE_USER", "TASKFORGE_DB"})


def passes(name: str) -> bool:
    """Whether the server's variable `name` reaches a tab's app process."""
    if name in _OWN:
        return False
    return (
        name in _BASICS or name in _NETWORK or name.startswith(("LC_", "TASKFORGE_"))
        or _PROVIDER.fullmatch(name) is not None or name.startswith(_PROVIDER_PREFIXES)
    )


def tab_environment(user: str, db_url: str, server: Mapping[str, str] | None = None) -> dict[str, str]:
    """What a tab's app process runs with: the passed variables, its user as author, the server's database."""
    source = os.environ if server is None else server
    environment = {name: value for name, value in source.items() if passes(name)}
    environment["TASKFORGE_USER"] = user
    environment["TASKFORGE_DB"] = db_url
    return environment
