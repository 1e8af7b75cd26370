"""Several Fiks søk at once with httpx.AsyncClient: one token, the event loop never blocked.

    python examples/python/sok_httpx_async.py fiks.toml
"""

import asyncio
import sys

import httpx

import fiks_integrasjon as fiks


async def main(config: str) -> None:
    client = fiks.Client.from_file(config)
    url = client.fiks_base_url + "innsyn-sok/api/v1/sok"
    searches = ("byggesak", "skjenkebevilling", "barnehage")
    async with httpx.AsyncClient(auth=client.httpx_auth(), timeout=30) as http:
        answers = await asyncio.gather(*(http.post(url, json={"sok": s}) for s in searches))
        for search, answer in zip(searches, answers):
            print("sok", repr(search), "->", answer.status_code, len(answer.content), "bytes")
        print("token requests:", client.stats()["token_requests"])
        refused = await http.get(client.fiks_base_url + "status/403")
    error = fiks.parse_error(refused.content, refused.status_code)
    if error is not None:
        print("Fiks error:", error.status, "ErrorId", error.error_id)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
