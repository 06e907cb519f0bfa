"""Sending a final letter by email, with its PDF attached, when SMTP is configured."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app

from advocate.services.errors import DomainError


class MailFailed(DomainError):
    status = 502
    code = "mail_failed"


def enabled() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def send(
    *,
    to: str,
    subject: str,
    text: str,
    attachment: bytes,
    filename: str,
    sender_name: str,
    reply_to: str,
) -> str:
    """Send one message with a PDF attached; returns its Message-ID. Raises MailFailed."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = formataddr((sender_name, config["MAIL_SENDER"]))
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config["MAIL_SENDER"].rpartition("@")[2] or None)
    message.set_content(text)
    message.add_attachment(attachment, maintype="application", subtype="pdf", filename=filename)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        raise MailFailed(
            f"The letter could not be emailed ({error.__class__.__name__}); nothing was recorded "
            "as sent. Try again, or send it another way and record that."
        ) from None
    return str(message["Message-ID"])
