"""The organisations' REST services (gateway/service, docs/services.md), for the demo's steps
they cover.

When the network runs with its services (the demo brings a fresh network up with them, as
`make up` does), the steps the services offer go through them, each through its own
organisation's service, signed in with the OAuth2 password grant as the `admin` user the
network wrote for it (`<run>/services/<org>.password`): the regulator registers enterprises,
the power company uploads the readings file as an ingestion job, the certifier attests, the
bank lists the consents naming it and records its access; the regulator adds the meters
and governance goes through each organisation's service; the regulator's audit history,
export and check go through its service. Everything else (declarations,
results, ratings, reports, consent grants) has no route
yet and goes through `carbontrust`. On a network brought up without services the demo uses
`carbontrust` for every step and says so.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from network import Network

ORG_KEYS = {"PowerMSP": "power", "CertifierMSP": "certifier", "BankMSP": "bank",
            "RegulatorMSP": "regulator"}


class ServiceError(RuntimeError):
    """A service answered a problem the demo did not expect (RFC 9457 body kept)."""

    def __init__(self, org: str, method: str, path: str, status: int, problem: Any) -> None:
        super().__init__(f"{org} service {method} {path}: {status} {problem}")
        self.status, self.problem = status, problem


class Services:
    def __init__(self, net: Network) -> None:
        self.net = net
        self._clients: dict[str, httpx.Client] = {}

    @classmethod
    def running(cls, net: Network) -> Services | None:
        """The services when all four run and answer their health check, else None."""
        st = net.status()
        names = [f"service.{k}" for k in ORG_KEYS.values()]
        if all(st.get(n, {}).get("pid") and st[n].get("health") == "OK" for n in names):
            return cls(net)
        return None

    def _client(self, org: str) -> httpx.Client:
        if org not in self._clients:
            g = self.net.layout.org(org)
            password = (self.net.run_dir / "services" / f"{org}.password").read_text().strip()
            client = httpx.Client(base_url=f"http://{g.service_host}:{g.service_port}",
                                  timeout=120)
            res = client.post("/v1/token", data={"grant_type": "password",
                                                 "username": "admin", "password": password})
            if res.status_code != 200:
                raise ServiceError(org, "POST", "/v1/token", res.status_code, res.text)
            client.headers["Authorization"] = f"Bearer {res.json()['access_token']}"
            self._clients[org] = client
        return self._clients[org]

    def call(self, org: str, method: str, path: str, *, ok: tuple[int, ...] = (200, 201, 202),
             **kw: Any) -> httpx.Response:
        """One request to the organisation's service, shown like a command line."""
        print(f"$ {method} {org} service {path}", flush=True)
        res = self._client(org).request(method, path, **kw)
        if res.status_code not in ok:
            body = (res.json() if res.headers.get("content-type", "").endswith("json")
                    else res.text)
            raise ServiceError(org, method, path, res.status_code, body)
        return res

    def poll(self, org: str, path: str) -> dict[str, Any]:
        """A GET repeated while something runs (not shown, unlike ``call``)."""
        res = self._client(org).get(path)
        if res.status_code != 200:
            raise ServiceError(org, "GET", path, res.status_code, res.text)
        answer: dict[str, Any] = res.json()
        return answer

    def upload(self, org: str, csv: Path, timeout: float = 600) -> dict[str, Any]:
        """Upload a readings file as an ingestion job and wait for it to end."""
        with csv.open("rb") as fh:
            job = self.call(org, "POST", "/v1/ingest/jobs", content=fh,
                            headers={"content-type": "text/csv",
                                     "x-filename": csv.name}).json()
        deadline = time.monotonic() + timeout
        while job["state"] not in ("done", "failed"):
            if time.monotonic() > deadline:
                raise SystemExit(f"ingestion job {job['id']} still {job['state']} after "
                                 f"{timeout:.0f} s")
            time.sleep(1)
            job = self._client(org).get(f"/v1/ingest/jobs/{job['id']}").json()
        result: dict[str, Any] = job
        return result

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
