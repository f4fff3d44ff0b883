"""Reports coming in and followed up: drafts, submission, look-ups by tracking code and reply PIN, ratings, partners' API reports, phone intake, chat-link tokens."""
