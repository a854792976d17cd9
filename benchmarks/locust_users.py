"""The simulated users of benchmarks/load.py (a locust file; load.py runs it headless).

Each user signs in as its own account (a member of a department or an enterprise, from
the plan load.py writes to $LOAD_PLAN), then thinks 3–8 s between actions:

* 70 % reading: a list page (browse), /search with a query people type (search), a
  published listing's page (detail);
* 20 % edit: the edit form of one of its organization's published listings, then saving
  it (a revision awaiting review, as the site does for published listings);
* 10 % publish: a new listing of its organization saved, then submitted for review.

Requests are named by page kind; a response of 400 or more (or a form that comes back
instead of a redirect) counts as a failure.
"""
import itertools
import json
import os
import random
import re
from datetime import date, timedelta

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_accounts = itertools.count()


def _form(kind: str, title: str) -> dict:
    common = {"title": title, "summary": "负载测试生成的清单摘要。",
              "description": "负载测试生成的清单说明，覆盖城区主要场景。",
              "field_id": PLAN["field_id"], "tag_ids": PLAN["tag_ids"],
              "region_code": PLAN["region_code"], "contact_name": "王先生",
              "contact_phone": "13812345678"}
    if kind == "opportunity":
        return {**common, "budget_wan": "300", "cooperation_mode": "采购服务",
                "deadline": (date.today() + timedelta(days=90)).isoformat(),
                "timeline": "签约后 6 个月内完成"}
    return {**common, "maturity": "成熟", "scenarios": "城市道路", "cases": "2025年部署。"}


class Member(HttpUser):
    wait_time = between(3, 8)

    def on_start(self):
        account = PLAN["accounts"][next(_accounts) % len(PLAN["accounts"])]
        self.kind, self.own = account["kind"], account["own"]
        self.path = "/opportunities" if self.kind == "opportunity" else "/products"
        self.rng = random.Random(account["email"])
        token = self._token("/login", "login form")
        with self.client.post("/login", name="login", allow_redirects=False, catch_response=True,
                              data={"email": account["email"], "password": PLAN["password"],
                                    "csrf_token": token}) as response:
            if response.status_code != 302:
                response.failure(f"login: {response.status_code}")

    def _token(self, url: str, name: str) -> str:
        response = self.client.get(url, name=name)
        found = TOKEN.search(response.text or "")
        return found.group(1) if found else ""

    def _post(self, url: str, name: str, data: dict):
        with self.client.post(url, name=name, data=data, allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"{name}: {response.status_code} (no redirect)")
            return response

    # -- 70 %: reading ------------------------------------------------------------------
    @task(25)
    def browse(self):
        kind = self.rng.choice(["/opportunities/", "/products/"])
        self.client.get(f"{kind}?page={self.rng.randint(1, 20)}", name="browse")

    @task(25)
    def search(self):
        self.client.get("/search", params={"q": self.rng.choice(PLAN["queries"])},
                        name="search")

    @task(20)
    def detail(self):
        kind = self.rng.choice(["opportunity", "product"])
        low, high = PLAN["ids"][kind]
        path = "/opportunities" if kind == "opportunity" else "/products"
        self.client.get(f"{path}/{self.rng.randint(low, high)}", name="detail")

    # -- 20 %: edit one of the organization's published listings -----------------------------
    @task(20)
    def edit(self):
        item = self.rng.choice(self.own)
        token = self._token(f"{self.path}/{item}/edit", "edit form")
        data = _form(self.kind, f"负载测试修改标题{self.rng.randint(1, 10 ** 6)}")
        self._post(f"{self.path}/{item}/edit", "edit save", {**data, "csrf_token": token})

    # -- 10 %: a new listing, saved and submitted ----------------------------------------
    @task(10)
    def publish(self):
        token = self._token(f"{self.path}/new", "publish form")
        data = _form(self.kind, f"负载测试新建清单{self.rng.randint(1, 10 ** 6)}")
        response = self._post(f"{self.path}/new", "publish create", {**data, "csrf_token": token})
        found = re.search(r"/(\d+)(?:$|[/?#])", response.headers.get("Location", ""))
        if found:
            self._post(f"{self.path}/{found.group(1)}/submit", "publish submit",
                       {"csrf_token": token})
