"""Questions asked of many runs: validation against the paper, attribution, policy portfolios.

Every analysis runs paired arms through the batch executor (:mod:`declineabm.analysis.arms`).
"""
