"""What each sealed value and keyed hash is for, in one place.

A purpose is mixed into the key that seals or hashes a value, so a value sealed for one purpose
cannot be opened as another, and a hash of a phone number never equals the hash of a tracking
code. The key rotation (intake/admin/key_rotation.py) re-seals every stored value under its purpose.
"""
from __future__ import annotations

# Sealed (encrypted) values.
PEOPLE = "people"  # a reporter's or victim's name and contact
DRAFT = "draft"  # a draft's answers
RECEIPT = "receipt"  # a draft's tracking code and PIN, kept to answer a repeated submission
OWN_CODE = "own-code"  # a tip's tracking code, kept for its reporter's own chat (/mytips)
ATTACHMENT = "attachment"  # an evidence file's content
ATTACHMENT_NAME = "attachment-name"  # its file name
TOTP = "totp"  # a member of staff's second-factor secret
API_TOKEN = "api-token"  # a channel's API access token (WeChat's, two hours)
CHANNEL_REPLY = "channel-reply"  # a chat's reply kept for an hour: for a retried message, or its next page
RISK_OBJECTION = "risk-objection-contact"  # how to answer an organisation's objection to the public risk list
SUBSCRIBER = "warning-subscriber"  # a subscriber's address (chat id, e-mail) and the token of their links

# Keyed hashes (look-ups without storing the value).
TRACKING_CODE = "tracking-code"
REPLY_PIN = "reply-pin"
PARTNER_KEY = "partner-api-key"
SUBSCRIPTION_TOKEN = "warning-subscription-token"  # the token in a subscriber's confirm and unsubscribe links
