"""Tell people when a source is flagged (failing, layout, stale) and when it recovers.

Checked after every crawl by `deptfeeds schedule` and at the end of `deptfeeds run`. Each
channel ([alerts] webhook: a JSON POST; email: a message through an SMTP server) is told once
per change of a source's flags: the store keeps what each was last told (core/alerts.py). A
delivery that fails is logged and tried again at the next check; it never fails the crawl.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from email.message import EmailMessage
from typing import Any

from core.config import Config
from core.store import Store
from scheduler.status import source_status

log = logging.getLogger("deptfeeds.alerts")

TIMEOUT = 10.0


def changes(config: Config, store: Store, told: dict[str, set[str]]) -> list[dict[str, Any]]:
    """Every source whose flags differ from what the channel was last told, with what changed."""
    found = []
    for source in config.sources:
        flags = {flag.kind: flag.message for flag in source_status(store, config, source).flags}
        before = told.get(source.id, set())
        if set(flags) == before:
            continue
        found.append({"source": source.id, "name": source.name, "listing": source.listing[0],
                      "raised": [{"kind": kind, "message": message} for kind, message in sorted(flags.items())
                                 if kind not in before],
                      "recovered": sorted(before - set(flags)), "flags": sorted(flags)})
    return found


def text_of(change: dict[str, Any]) -> tuple[str, str]:
    """A subject and a body for people."""
    if change["raised"]:
        subject = f"deptfeeds: {change['source']} " + ", ".join(r["kind"] for r in change["raised"])
    else:
        subject = f"deptfeeds: {change['source']} recovered ({', '.join(change['recovered'])})"
    lines = [f"{change['name']} ({change['source']}), {change['listing']}", ""]
    lines += [r["message"] for r in change["raised"]]
    lines += [f"recovered: no longer {kind}" for kind in change["recovered"]]
    lines += ["", f"flags now: {', '.join(change['flags']) or 'none'}"]
    return subject, "\n".join(lines)


def post(url: str, change: dict[str, Any]) -> None:
    body = json.dumps({"event": "flags-changed", **change}, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=TIMEOUT):
        pass


def mail(config: Config, change: dict[str, Any]) -> None:
    email = config.alerts.email if config.alerts else None
    assert email is not None
    subject, body = text_of(change)
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, email.sender, ", ".join(email.to)
    message.set_content(body)
    with smtplib.SMTP(email.host, email.port, timeout=TIMEOUT) as server:
        server.send_message(message)


def check_alerts(config: Config, store: Store) -> int:
    """Tell every channel what changed since it was last told; return how many messages went out."""
    alerts = config.alerts
    if alerts is None:
        return 0
    channels = []
    if alerts.webhook:
        channels.append(("webhook", lambda change: post(alerts.webhook, change)))
    if alerts.email:
        channels.append(("email", lambda change: mail(config, change)))
    sent = 0
    for channel, deliver in channels:
        for change in changes(config, store, store.alerted_flags(channel)):
            try:
                deliver(change)
            except Exception as exc:  # a receiver that is down is told at the next check
                log.warning("%s: alert by %s not delivered (%s: %s); trying again at the next check",
                            change["source"], channel, type(exc).__name__, exc)
                continue
            store.set_alerted_flags(change["source"], channel, set(change["flags"]))
            log.info("%s: alert sent by %s: %s", change["source"], channel, text_of(change)[0])
            sent += 1
    return sent
