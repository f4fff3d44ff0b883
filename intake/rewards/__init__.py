"""The reward scheme (有奖举报): eligibility, tiers, awards with two-person approval, payout ledger.

By concern: `scheme` (rewards.toml and its versions), `eligibility` (rule by rule, candidates,
exclusions), `awards` (propose, approve, reject, pay, lapse; joint reports), `notices` (to the
reporter), `payout_ledger` (budgets and the ledger), `come_forward` (an anonymous reporter claims
a tip), `work` (the error, the checks and the transaction they all share).
"""
