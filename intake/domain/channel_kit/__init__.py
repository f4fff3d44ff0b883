"""The channel kit: what every channel needs around the conversation engine, once, so that the
terminal chat, the bot, the web form and the phone intake keep only their presentation."""
