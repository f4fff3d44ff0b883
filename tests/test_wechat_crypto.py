"""WeChat's message encryption against the sample vectors WeChat publishes with its
message-encryption sample code (cryptoDemo.zip, wximg.gtimg.com/shake_tv/mpwiki/cryptoDemo.zip):
- Java/src/com/qq/weixin/mp/aes/WXBizMsgCryptTest.java: a fixed random string, so the
  ciphertext itself can be compared;
- Python/Sample.py: a message WeChat encrypted and signed, to decrypt and check;
- the C# sample (Sample.cs): a signed, encrypted text message and its plain XML.
Not only our own round trip, which would repeat our own mistakes."""
from __future__ import annotations

import pytest

from wechat.crypto import BadMessage, MessageCrypt, signature, signature_matches

# Java sample (WXBizMsgCryptTest.java).
JAVA_KEY, JAVA_APPID, JAVA_RANDOM = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6", b"aaaabbbbccccdddd"
JAVA_REPLY = "我是中文abcd123"
JAVA_ENCRYPTED = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
JAVA_REPLY_2 = (
    "<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]>"
    "</FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA["
    "eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]>"
    "</Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>"
)
JAVA_ENCRYPTED_2 = (
    "jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzp"
    "kycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+"
    "r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+x"
    "RTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8ig"
    "HngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/"
    "dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb"
)

# Python sample (Sample.py): what WeChat posted, and its signature.
PY_TOKEN, PY_KEY, PY_APPID = "spamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx2c2769f8efd9abc2"
PY_TIMESTAMP, PY_NONCE, PY_SIGNATURE = "1409735669", "1320562132", "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
PY_ENCRYPTED = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5G"
    "IItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xM"
    "ezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4u"
    "Bl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)

# C# sample (Sample.cs).
CS_TOKEN, CS_KEY, CS_APPID = "QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7"
CS_TIMESTAMP, CS_NONCE, CS_SIGNATURE = "1409659813", "1372623149", "477715d11cdb4164915debcba66cb864d751f3e6"
CS_ENCRYPTED = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXx"
    "accAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqAT"
    "P7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4"
    "XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
CS_PLAIN = (
    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n"
    "<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n"
    "<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>"
)


def test_encryption_gives_the_java_samples_ciphertexts():
    crypt = MessageCrypt(JAVA_KEY, JAVA_APPID)
    assert crypt.encrypt(JAVA_REPLY, JAVA_RANDOM) == JAVA_ENCRYPTED
    assert crypt.encrypt(JAVA_REPLY_2, JAVA_RANDOM) == JAVA_ENCRYPTED_2


def test_decryption_opens_the_java_samples_ciphertexts():
    crypt = MessageCrypt(JAVA_KEY, JAVA_APPID)
    assert crypt.decrypt(JAVA_ENCRYPTED) == JAVA_REPLY
    assert crypt.decrypt(JAVA_ENCRYPTED_2) == JAVA_REPLY_2


def test_the_python_samples_message_is_signed_and_opens():
    assert signature_matches(PY_SIGNATURE, PY_TOKEN, PY_TIMESTAMP, PY_NONCE, PY_ENCRYPTED)
    assert not signature_matches(PY_SIGNATURE, PY_TOKEN, PY_TIMESTAMP, "1320562133", PY_ENCRYPTED)
    plain = MessageCrypt(PY_KEY, PY_APPID).decrypt(PY_ENCRYPTED)
    assert plain.startswith("<xml>") and "<ToUserName>" in plain


def test_the_csharp_samples_message_is_signed_and_opens_to_its_text():
    assert signature(CS_TOKEN, CS_TIMESTAMP, CS_NONCE, CS_ENCRYPTED) == CS_SIGNATURE
    assert MessageCrypt(CS_KEY, CS_APPID).decrypt(CS_ENCRYPTED) == CS_PLAIN


def test_a_message_for_another_account_or_damaged_does_not_open():
    with pytest.raises(BadMessage):
        MessageCrypt(CS_KEY, "wx0000000000000000").decrypt(CS_ENCRYPTED)
    with pytest.raises(BadMessage):
        MessageCrypt(CS_KEY, CS_APPID).decrypt(CS_ENCRYPTED[:-8] + "AAAAAAA=")
    with pytest.raises(BadMessage):
        MessageCrypt(CS_KEY, CS_APPID).decrypt("not base64 at all!")
    with pytest.raises(ValueError):
        MessageCrypt("abcde", CS_APPID)
