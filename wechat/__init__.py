"""The WeChat Official Account (公众号) channel: the callback WeChat posts messages to, and the
report conversation as numbered text messages. Made of the core's channel kit, like the bot."""
