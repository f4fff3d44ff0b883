"""The reward scheme (有奖举报): eligibility, tiers, awards with two-person approval, payout ledger."""
