"""Token from Maskinporten, a Fiks søk through `requests`, and a Fiks error caught with its errorId.

    python examples/python/sok_requests.py fiks.toml
"""
import sys, requests, fiks_integrasjon as fiks
client = fiks.Client.from_file(sys.argv[1])
print("token:", len(client.access_token()), "characters (not shown)")
sok = client.fiks_base_url + "innsyn-sok/api/v1/sok"
r = requests.post(sok, json={"sok": "byggesak"}, auth=client.requests_auth(), timeout=30)
print("sok:", r.status_code, r.headers["content-type"], len(r.json()), "fields")
try:
    client.request("GET", "/status/404")
except fiks.ApiError as e:
    print("ApiError:", e.status, "ErrorId", e.error_id, "errorCode", e.error_code)
